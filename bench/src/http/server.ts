/**
 * The servers `bench:http` loads, in a child process of their own so the load generator does
 * not share their event loop: Whizbang's edge (JWT, tenant from the token, zod validation,
 * problem+json) on PostgreSQL, and the baseline, a bare Hono app doing the same insert and
 * select with `pg`. Prints `ready <ours port> <raw port>` once both listen.
 */
import { Hono } from 'hono';
import { Pool } from 'pg';
import { z } from 'zod';
import { defineCommand, defineQuery, defineEvent, handle, type, whizbang } from '@whizbang/core';
import { httpApi, jwtAuth, serve } from '@whizbang/http';
import { postgresStore } from '@whizbang/postgres';

const CONNECTION = process.env['WHIZBANG_BENCH_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const SECRET = process.env['BENCH_HTTP_SECRET']!;
const SCHEMA = 'bench_http';
const RAW = 'bench_http_raw';
const ACCOUNTS = Number(process.env['BENCH_HTTP_ACCOUNTS'] ?? 1000);

const Deposit = defineCommand('Deposit', {
  schema: z.strictObject({ accountId: z.string().regex(/^a-\d{1,6}$/), amount: z.number().int().positive() }),
  result: type<{ version: number }>(),
});
const GetBalance = defineQuery('GetBalance', {
  schema: z.strictObject({ accountId: z.string().regex(/^a-\d{1,6}$/) }),
  result: type<{ balance: number } | null>(),
});
const Deposited = defineEvent('Deposited', { data: type<{ amount: number }>() });

const admin = new Pool({ connectionString: CONNECTION, max: 1 });
await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; DROP SCHEMA IF EXISTS ${RAW} CASCADE`);
await admin.query(`CREATE SCHEMA ${RAW};
  CREATE TABLE ${RAW}.streams (tenant_id text NOT NULL, stream_id text NOT NULL, version int NOT NULL, PRIMARY KEY (tenant_id, stream_id));
  CREATE TABLE ${RAW}.events (id bigserial PRIMARY KEY, tenant_id text NOT NULL, stream_id text NOT NULL, version int NOT NULL, type text NOT NULL, data jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), UNIQUE (tenant_id, stream_id, version));
  CREATE TABLE ${RAW}.documents (tenant_id text NOT NULL, id text NOT NULL, data jsonb NOT NULL, PRIMARY KEY (tenant_id, id));`);
await admin.query(
  `INSERT INTO ${RAW}.documents SELECT 'acme', 'a-' || g, jsonb_build_object('balance', g) FROM generate_series(0, $1 - 1) g`,
  [ACCOUNTS],
);
await admin.end();

const store = postgresStore({ connectionString: CONNECTION, schema: SCHEMA, maxConnections: 10 });
await store.migrate();
await store.documents.putMany(
  'balances',
  Array.from({ length: ACCOUNTS }, (_, i) => ({ id: `a-${i}`, data: { balance: i } })),
  { tenantId: 'acme' },
);
const app = whizbang({
  store,
  tenancy: { required: true },
  handlers: [
    handle(Deposit, async ({ data }, ctx) => {
      const { nextExpectedVersion } = await ctx.store.events.appendToStream(`account-${data.accountId}`, [
        Deposited({ amount: data.amount }),
      ]);
      return { version: nextExpectedVersion };
    }),
    handle(GetBalance, async ({ data }, ctx) => {
      const doc = await ctx.store.documents.get<{ balance: number }>('balances', data.accountId);
      return doc ? { balance: doc.data.balance, version: doc.version } : null;
    }),
  ],
});
const ours = httpApi(app, {
  auth: [jwtAuth({ secret: SECRET, issuer: 'https://id.bench/', audience: 'bench' })],
  tenant: { from: ['credentials'], required: true },
  routes: (r) => r.post('/deposits', Deposit, { status: 201 }).get('/balances/:accountId', GetBalance),
});

// The baseline: what a hand-written service does with no framework, no auth, no validation.
const pool = new Pool({ connectionString: CONNECTION, max: 10 });
const raw = new Hono();
// The append of bench:store's raw baseline: the event at the next version and the stream row, in
// one transaction (the version kept in memory, as a single-process service could).
const versions = new Map<string, number>();
raw.post('/deposits', async (c) => {
  const body = await c.req.json<{ accountId: string; amount: number }>();
  const stream = `account-${body.accountId}`;
  const version = (versions.get(stream) ?? 0) + 1;
  versions.set(stream, version);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query({
      name: 'raw-insert',
      text: `INSERT INTO ${RAW}.events (tenant_id, stream_id, version, type, data) VALUES ($1, $2, $3, 'Deposited', $4)`,
      values: ['acme', stream, version, JSON.stringify({ amount: body.amount })],
    });
    await client.query({
      name: 'raw-stream',
      text: `INSERT INTO ${RAW}.streams VALUES ($1, $2, $3) ON CONFLICT (tenant_id, stream_id) DO UPDATE SET version = excluded.version`,
      values: ['acme', stream, version],
    });
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
  return c.json({ version }, 201);
});
raw.get('/balances/:accountId', async (c) => {
  const { rows } = await pool.query({
    name: 'raw-select',
    text: `SELECT data FROM ${RAW}.documents WHERE tenant_id = $1 AND id = $2`,
    values: ['acme', c.req.param('accountId')],
  });
  return rows.length === 0 ? c.json({ error: 'not found' }, 404) : c.json(rows[0].data);
});

const [oursServer, rawServer] = await Promise.all([
  serve(ours, { port: 0, hostname: '127.0.0.1' }),
  serve(raw, { port: 0, hostname: '127.0.0.1' }),
]);
console.log(`ready ${oursServer.port} ${rawServer.port}`);
// The parent asks for this process's CPU time around each run, to report CPU per request.
process.stdin.setEncoding('utf8');
process.stdin.on('data', () => {
  const { user, system } = process.cpuUsage();
  console.log(`cpu ${user + system}`);
});
process.on('SIGTERM', () => {
  void Promise.all([oursServer.close(), rawServer.close()])
    .then(() => Promise.all([store.close(), pool.end()]))
    .finally(() => process.exit(0));
});
