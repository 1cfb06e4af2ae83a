/**
 * `npm run bench:http`: requests per second and p99 latency of the HTTP edge, side by side in one
 * run with a bare Hono route doing the same work with `pg` (`raw`), both loaded by autocannon.
 *
 * Workloads: a command route that appends one event on PostgreSQL (`POST /deposits`, a JSON body
 * validated by zod, spread over 1,000 accounts), and a query route that reads one document
 * (`GET /balances/:id`). Ours runs with everything on: a JWT verified on every request, the
 * tenant taken from it (required), the store scoped to it, schema validation, problem+json.
 * The baseline has none of it: it appends as bench:store's raw baseline does (the event at the
 * next version and the stream row, in one transaction) and selects the document by key. The servers run in a child process of their own; rounds
 * alternate ours and raw so drift in the machine lands on both.
 *
 * Knobs: BENCH_HTTP_SECONDS per run (5), BENCH_ROUNDS (3), BENCH_HTTP_CONNECTIONS (16).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { SignJWT } from 'jose';
import { describeMachine } from './harness/machine.js';
import { median, reportResults, row, type ResultRow } from './harness/measure.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback) || fallback;
const SECONDS = env('BENCH_HTTP_SECONDS', 5);
const ROUNDS = env('BENCH_ROUNDS', 3);
const CONNECTIONS = env('BENCH_HTTP_CONNECTIONS', 16);
const ACCOUNTS = 1_000;
const SECRET = `bench-${process.pid}-secret-of-at-least-32-bytes`;

const server = spawn(process.execPath, [new URL('./http/server.js', import.meta.url).pathname], {
  env: { ...process.env, BENCH_HTTP_SECRET: SECRET, BENCH_HTTP_ACCOUNTS: String(ACCOUNTS) },
  stdio: ['pipe', 'pipe', 'inherit'],
});
const lines = createInterface({ input: server.stdout });
const [ours, raw] = await new Promise<[number, number]>((resolve, reject) => {
  server.once('exit', (code) => reject(new Error(`the bench server exited (${code}) before it was ready`)));
  lines.on('line', (line) => {
    const match = /^ready (\d+) (\d+)$/.exec(line);
    if (match) resolve([Number(match[1]), Number(match[2])]);
  });
});

/** The server process's CPU time so far, in microseconds. */
function serverCpu(): Promise<number> {
  return new Promise((resolve) => {
    const onLine = (line: string) => {
      const match = /^cpu (\d+)$/.exec(line);
      if (!match) return;
      lines.off('line', onLine);
      resolve(Number(match[1]));
    };
    lines.on('line', onLine);
    server.stdin.write('cpu\n');
  });
}

const token = await new SignJWT({ tenant_id: 'acme', roles: ['teller'] })
  .setProtectedHeader({ alg: 'HS256' })
  .setSubject('bench-user')
  .setIssuer('https://id.bench/')
  .setAudience('bench')
  .setExpirationTime('1h')
  .sign(new TextEncoder().encode(SECRET));

interface Load {
  readonly method: 'GET' | 'POST';
  readonly path: (n: number) => string;
  readonly body?: (n: number) => string;
  readonly expect: number;
}

const command: Load = {
  method: 'POST',
  path: () => '/deposits',
  body: (n) => JSON.stringify({ accountId: `a-${n % ACCOUNTS}`, amount: (n % 100) + 1 }),
  expect: 201,
};
const query: Load = { method: 'GET', path: (n) => `/balances/a-${n % ACCOUNTS}`, expect: 200 };

/** One autocannon run against `port`: requests per second, p99 in ms, and the non-2xx count. */
async function run(port: number, load: Load, authorized: boolean) {
  let n = 0;
  const cpuBefore = await serverCpu();
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorized) headers['authorization'] = `Bearer ${token}`;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        method: load.method,
        headers,
        setupRequest: (request) => {
          const i = n++;
          return { ...request, path: load.path(i), ...(load.body && { body: load.body(i) }) };
        },
      },
    ],
  });
  const cpuAfter = await serverCpu();
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0) throw new Error(`${failed} of ${result.requests.total} requests failed on port ${port}`);
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    cpuPerRequest: (cpuAfter - cpuBefore) / result.requests.total,
  };
}

const rows: ResultRow[] = [];
const notes: string[] = [];
try {
  for (const [label, load] of [
    ['command: append one event', command],
    ['query: read one document', query],
  ] as const) {
    await run(ours, load, true); // warm-up: JIT, connections, prepared statements
    await run(raw, load, false);
    type Sample = Awaited<ReturnType<typeof run>>;
    const samples = { ours: [] as Sample[], raw: [] as Sample[] };
    for (let round = 0; round < ROUNDS; round++) {
      samples.ours.push(await run(ours, load, true));
      samples.raw.push(await run(raw, load, false));
    }
    const med = (xs: readonly Sample[], key: keyof Sample) => median(xs.map((x) => x[key]));
    notes.push(
      `${label}: ours ${samples.ours.map((s) => Math.round(s.rps)).join(', ')} req/s, raw ${samples.raw.map((s) => Math.round(s.rps)).join(', ')} req/s by round; server CPU per request: ours ${Math.round(med(samples.ours, 'cpuPerRequest'))} us, raw ${Math.round(med(samples.raw, 'cpuPerRequest'))} us`,
    );
    rows.push(
      row(`http ${label}`, 'req/s', Math.round(med(samples.ours, 'rps')), {
        raw: Math.round(med(samples.raw, 'rps')),
      }),
    );
    rows.push(row(`http ${label}, p99`, 'ms', med(samples.ours, 'p99'), { raw: med(samples.raw, 'p99') }));
  }
} finally {
  server.kill('SIGTERM');
  await once(server, 'exit');
}

console.log(describeMachine());
console.log(`- ${CONNECTIONS} connections, ${SECONDS} s per run, ${ROUNDS} rounds after a warm-up run`);
for (const note of notes) console.log(`- ${note}`);
reportResults('http', rows);
