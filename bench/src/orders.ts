/**
 * `npm run bench:orders`: the orders service (examples/orders) as `npm start` runs it, one
 * process with the payment confirming the orders, on SQLite and on PostgreSQL, under the load
 * `npm run load` sends (the shop's mix: browse, place, read orders, ship, cancel; the example's
 * src/load/mix.ts): requests per second, p50 and p99 latency of reads and of writes, and the
 * errors. The service runs in a child process of its own, the load client here.
 *
 * No baseline: nothing else does this work, so the rows have none rather than an unlike one
 * (bench:http compares the HTTP edge with a bare route).
 *
 * Per store: a fresh service (a temporary SQLite file, or a PostgreSQL schema dropped
 * afterwards), one unmeasured run to warm it up, then BENCH_ROUNDS measured runs; each figure
 * is the median round. Every run registers products and customers of its own, so the log grows
 * from round to round as a shop's does.
 *
 * Knobs: BENCH_ORDERS_SECONDS per run (10), BENCH_ROUNDS (3), BENCH_ORDERS_CONNECTIONS (8),
 * BENCH_ORDERS_WARMUP_SECONDS (3), BENCH_ORDERS_STORES (sqlite,postgres), WHIZBANG_BENCH_POSTGRES.
 */
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import {
  formatLoadReport,
  runLoad,
  startThrowawayService,
  type LoadReport,
  type OperationStats,
  type ThrowawayStore,
} from '@whizbang/example-orders/load';
import { describeMachine } from './harness/machine.js';
import { median, table, unmatchedRow, writeResults, type ResultRow } from './harness/measure.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback) || fallback;
const SECONDS = env('BENCH_ORDERS_SECONDS', 10);
const ROUNDS = env('BENCH_ROUNDS', 3);
const CONNECTIONS = env('BENCH_ORDERS_CONNECTIONS', 8);
const WARMUP_SECONDS = env('BENCH_ORDERS_WARMUP_SECONDS', 3);
const STORES = (process.env['BENCH_ORDERS_STORES'] ?? 'sqlite,postgres').split(',');
const POSTGRES = process.env['WHIZBANG_BENCH_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const NAMES: Readonly<Record<string, string>> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

/** The service's secret for this run only: the load signs its shoppers' and admins' tokens with it. */
const jwt = { secret: randomBytes(32).toString('hex'), issuer: 'https://id.bench/', audience: 'orders' };

/** The store a run gets: a new SQLite file, or a schema of its own on the PostgreSQL server. */
function storeFor(kind: string): ThrowawayStore {
  if (kind === 'sqlite') return { kind };
  if (kind === 'postgres') return { kind, url: POSTGRES, schema: `bench_orders_${process.pid}` };
  throw new Error(`BENCH_ORDERS_STORES: '${kind}' is not sqlite or postgres`);
}

async function dropSchemas(schemas: readonly string[]): Promise<void> {
  const pool = new Pool({ connectionString: POSTGRES, max: 1 });
  try {
    for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await pool.end();
  }
}

/** A fresh service on `kind`, warmed up, then `ROUNDS` measured runs of the mix against it. */
async function runsOn(kind: string): Promise<LoadReport[]> {
  const store = storeFor(kind);
  const service = await startThrowawayService({ store, jwt });
  try {
    // JIT, connections, prepared statements, SQLite's page cache: none of it counted.
    await runLoad({
      url: service.url,
      jwt,
      seconds: WARMUP_SECONDS,
      connections: CONNECTIONS,
      warmupSeconds: 0,
    });
    const reports: LoadReport[] = [];
    for (let round = 0; round < ROUNDS; round++)
      reports.push(
        await runLoad({
          url: service.url,
          jwt,
          seconds: SECONDS,
          connections: CONNECTIONS,
          warmupSeconds: 0,
        }),
      );
    return reports;
  } finally {
    await service.close();
    if (store.kind === 'postgres') await dropSchemas([store.schema, `${store.schema}_payments`]);
  }
}

const classOf = (report: LoadReport, name: string): OperationStats | undefined =>
  report.classes.find((stats) => stats.operation === name);
const count = (counts: Readonly<Record<string, number>>) => Object.values(counts).reduce((a, b) => a + b, 0);

const rows: ResultRow[] = [];
const notes: string[] = [];
const details: string[] = [];
let failed = false;
const started = performance.now();
for (const kind of STORES) {
  const name = NAMES[kind] ?? kind;
  const reports = await runsOn(kind);
  const figure = (pick: (report: LoadReport) => number | undefined) =>
    median(reports.map(pick).filter((value): value is number => value !== undefined));
  const errors = reports.reduce((sum, report) => sum + count(report.overall.errors), 0);
  const refusals = reports.reduce((sum, report) => sum + count(report.overall.expected), 0);
  const requests = reports.reduce((sum, report) => sum + report.overall.requests, 0);
  rows.push(
    unmatchedRow(
      `orders on ${name}: load mix, throughput`,
      'req/s',
      figure((r) => r.overall.throughput),
    ),
    ...(['reads', 'writes'] as const).flatMap((operations) =>
      (['p50', 'p99'] as const).map((at) =>
        unmatchedRow(
          `orders on ${name}: ${operations}, ${at}`,
          'ms',
          figure((r) => classOf(r, operations)?.[`${at}Ms`]),
        ),
      ),
    ),
    unmatchedRow(`orders on ${name}: errors, all rounds`, 'requests', errors),
  );
  notes.push(
    `${name}: ${reports.map((r) => Math.round(r.overall.throughput)).join(', ')} req/s by round; ` +
      `${requests.toLocaleString('en-US')} requests, ${refusals} expected refusals (lost races), ${errors} errors; ` +
      `load client CPU ${reports.map((r) => `${Math.round(r.clientCpu * 100)}%`).join(', ')} of one core`,
  );
  // The round of median throughput, operation by operation.
  const middle = reports.toSorted((a, b) => a.overall.throughput - b.overall.throughput)[reports.length >> 1];
  if (middle !== undefined) details.push('', `${name}, the median round:`, ...formatLoadReport(middle));
  failed ||= errors > 0;
}

console.log(describeMachine());
console.log(
  `- ${CONNECTIONS} connections, ${SECONDS} s per run, ${ROUNDS} rounds after a ${WARMUP_SECONDS} s warm-up run, per store; ${Math.round((performance.now() - started) / 1000)} s in all`,
);
for (const note of notes) console.log(`- ${note}`);
console.log(details.join('\n'));
console.log();
console.log(
  table(
    ['workload', 'unit', 'ours'],
    rows.map((r) => [r.workload, r.unit, String(r.ours)]),
    [false, false, true],
  ),
);
console.log(
  `\nNo baseline: no peer or raw driver does this work (bench:http compares the edge). Wrote ${writeResults('orders', rows)}`,
);
if (failed) {
  console.error('Some requests failed (see the errors above): these figures are not of a healthy service.');
  process.exitCode = 1;
}
