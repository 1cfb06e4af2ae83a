/**
 * `npm run bench:store`: the event store on PostgreSQL and SQLite, side by side in one run with
 * the plain driver (`raw`: a plain events table, one transaction per append, prepared
 * statements) and, on PostgreSQL, Emmett's event store. BENCH_SCALE multiplies the sizes.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { Pool } from 'pg';
import { aggregateStream, type Store } from '@whizbang/core';
import { postgresStore } from '@whizbang/postgres';
import { sqliteStore } from '@whizbang/sqlite';
import { describeMachine } from './harness/machine.js';
import { median, row, table, writeResults, type ResultRow } from './harness/measure.js';

const SCALE = Number(process.env['BENCH_SCALE'] ?? 1) || 1;
const n = (base: number) => Math.max(1, Math.round(base * SCALE));
const CONNECTION = process.env['WHIZBANG_BENCH_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const rows: ResultRow[] = [];
const event = (i: number) => ({ type: 'Deposited', data: { amount: i, note: 'benchmark event' } });

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

/** Runs `op` `count` times, one after another; returns ops/s and the latency percentiles in ms. */
async function sequential(count: number, op: (i: number) => Promise<unknown>) {
  for (let i = 0; i < Math.min(100, count); i++) await op(-1 - i); // warm-up
  const latencies: number[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await op(i);
    latencies.push(performance.now() - t);
  }
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: count / seconds, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

async function concurrent(
  workers: number,
  perWorker: number,
  op: (w: number, i: number) => Promise<unknown>,
): Promise<number> {
  const start = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = 0; i < perWorker; i++) await op(w, i);
    }),
  );
  return (workers * perWorker) / ((performance.now() - start) / 1000);
}

async function timeMs(times: number, op: () => Promise<unknown>): Promise<number> {
  await op();
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    await op();
    samples.push(performance.now() - t);
  }
  return median(samples);
}

const balance = {
  initialState: () => ({ total: 0 }),
  evolve: (s: { total: number }, e: { data: unknown }) => ({
    total: s.total + (e.data as { amount: number }).amount,
  }),
};

// ---------------------------------------------------------------- PostgreSQL
class RawPg {
  readonly pool: Pool;
  readonly versions = new Map<string, number>();
  constructor(max: number) {
    this.pool = new Pool({ connectionString: CONNECTION, max });
  }
  async setup(): Promise<void> {
    await this.pool.query(`DROP SCHEMA IF EXISTS bench_raw CASCADE; CREATE SCHEMA bench_raw;
      CREATE TABLE bench_raw.streams (stream_id text PRIMARY KEY, version int NOT NULL);
      CREATE TABLE bench_raw.events (id bigserial PRIMARY KEY, stream_id text NOT NULL, version int NOT NULL, type text NOT NULL, data jsonb NOT NULL, UNIQUE (stream_id, version));`);
  }
  async append(stream: string, count: number, first: number): Promise<void> {
    const version = this.versions.get(stream) ?? 0;
    this.versions.set(stream, version + count);
    const values: unknown[] = [stream];
    const tuples: string[] = [];
    for (let i = 0; i < count; i++) {
      values.push(version + i + 1, JSON.stringify(event(first + i).data));
      tuples.push(`($1, $${values.length - 1}, 'Deposited', $${values.length})`);
    }
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query({
        name: `raw-insert-${count}`,
        text: `INSERT INTO bench_raw.events (stream_id, version, type, data) VALUES ${tuples.join(', ')}`,
        values,
      });
      await client.query({
        name: 'raw-stream',
        text: 'INSERT INTO bench_raw.streams VALUES ($1, $2) ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version',
        values: [stream, version + count],
      });
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  }
}

async function postgresBench(): Promise<void> {
  const admin = new Pool({ connectionString: CONNECTION, max: 1 });
  await admin.query('DROP SCHEMA IF EXISTS bench_ours CASCADE; DROP SCHEMA IF EXISTS emmett CASCADE');
  await admin.end();
  const ours: Store = postgresStore({
    connectionString: CONNECTION,
    schema: 'bench_ours',
    maxConnections: 16,
  });
  await ours.migrate();
  const raw = new RawPg(16);
  await raw.setup();
  const emmett = getPostgreSQLEventStore(CONNECTION);
  await emmett.appendToStream('emmett-warmup', [event(0)]);

  const single = n(1500);
  const o = await sequential(single, (i) => ours.events.appendToStream(`seq-${i % 100}`, [event(i)]));
  const r = await sequential(single, (i) => raw.append(`seq-${i % 100}`, 1, i));
  const e = await sequential(single, (i) => emmett.appendToStream(`seq-${i % 100}`, [event(i)]));
  rows.push(
    row('pg: sequential single-event appends', 'events/s', o.perSecond, {
      raw: r.perSecond,
      emmett: e.perSecond,
    }),
  );
  rows.push(row('pg: sequential append p50', 'ms', o.p50, { raw: r.p50, emmett: e.p50 }));
  rows.push(row('pg: sequential append p99', 'ms', o.p99, { raw: r.p99, emmett: e.p99 }));

  const per = n(250);
  const oc = await concurrent(16, per, (w, i) =>
    ours.events.appendToStream(`conc-${w}-${i % 10}`, [event(i)]),
  );
  const rc = await concurrent(16, per, (w, i) => raw.append(`conc-${w}-${i % 10}`, 1, i));
  const ec = await concurrent(16, per, (w, i) => emmett.appendToStream(`conc-${w}-${i % 10}`, [event(i)]));
  rows.push(row('pg: 16 concurrent appenders', 'events/s', oc, { raw: rc, emmett: ec }));

  const batches = n(100);
  const batch = Array.from({ length: 100 }, (_, i) => event(i));
  const ob = await sequential(batches, (i) => ours.events.appendToStream(`batch-${i}`, batch));
  const rb = await sequential(batches, (i) => raw.append(`batch-${i}`, 100, 0));
  const eb = await sequential(batches, (i) => emmett.appendToStream(`batch-${i}`, batch));
  rows.push(
    row('pg: appends of 100 events', 'events/s', ob.perSecond * 100, {
      raw: rb.perSecond * 100,
      emmett: eb.perSecond * 100,
    }),
  );

  for (let k = 0; k < 10; k++) {
    await ours.events.appendToStream('long', batch);
    await raw.append('long', 100, 0);
    await emmett.appendToStream('long', batch);
  }
  const or = await timeMs(20, () => ours.events.readStream('long'));
  const rr = await timeMs(20, () =>
    raw.pool.query({
      name: 'raw-read',
      text: 'SELECT version, type, data FROM bench_raw.events WHERE stream_id = $1 ORDER BY version',
      values: ['long'],
    }),
  );
  const er = await timeMs(20, () => emmett.readStream('long'));
  rows.push(row('pg: readStream of 1,000 events', 'ms', or, { raw: rr, emmett: er }));

  const oa = await timeMs(10, () => aggregateStream(ours, 'long', balance));
  const os = await (async () => {
    const state = (await aggregateStream(ours, 'long', balance)).state;
    await ours.snapshots.save({ stream: 'long', version: 1000, schemaVersion: 1, state });
    return timeMs(10, () =>
      aggregateStream(ours, 'long', balance, { snapshot: { every: 100, schemaVersion: 1 } }),
    );
  })();
  const ea = await timeMs(10, () =>
    emmett.aggregateStream('long', {
      evolve: (s: { total: number }, ev: { data: unknown }) => balance.evolve(s, ev),
      initialState: balance.initialState,
    }),
  );
  rows.push(row('pg: rehydrate 1,000-event aggregate', 'ms', oa, { emmett: ea }));
  rows.push(row('pg: rehydrate 1,000-event aggregate from a snapshot', 'ms', os, { emmett: ea }));

  const total = n(100_000);
  const seedBatch = Array.from({ length: 500 }, (_, i) => event(i));
  const seeded = await ours.events.readHeadPosition();
  void seeded;
  for (let i = 0; i < total / 500; i++) {
    await ours.events.appendToStream(`all-${i}`, seedBatch);
    await raw.append(`all-${i}`, 500, 0);
  }
  const count = async () => {
    let c = 0;
    for await (const _ of ours.events.readAll({ batchSize: 500 })) c++;
    return c;
  };
  const t0 = performance.now();
  const readCount = await count();
  const oRead = readCount / ((performance.now() - t0) / 1000);
  const t1 = performance.now();
  let after = 0;
  let rawCount = 0;
  for (;;) {
    const { rows: page } = await raw.pool.query({
      name: 'raw-page',
      text: 'SELECT id, stream_id, version, type, data FROM bench_raw.events WHERE id > $1 ORDER BY id LIMIT 500',
      values: [after],
    });
    if (page.length === 0) break;
    rawCount += page.length;
    after = Number((page[page.length - 1] as { id: string }).id);
  }
  const rRead = rawCount / ((performance.now() - t1) / 1000);
  rows.push(
    row(`pg: readAll of ${readCount.toLocaleString('en-US')} events`, 'events/s', oRead, { raw: rRead }),
  );

  await ours.close();
  await raw.pool.end();
  await emmett.close();
}

// ---------------------------------------------------------------- SQLite
async function sqliteBench(): Promise<void> {
  const dir = new URL('../.work/', import.meta.url).pathname;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const ours = sqliteStore({ path: `${dir}ours.db` });
  const raw = new DatabaseSync(`${dir}raw.db`);
  raw.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
    CREATE TABLE streams (stream_id TEXT PRIMARY KEY, version INTEGER NOT NULL);
    CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, stream_id TEXT NOT NULL, version INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, UNIQUE (stream_id, version));`);
  const insert = raw.prepare('INSERT INTO events (stream_id, version, type, data) VALUES (?, ?, ?, ?)');
  const upsert = raw.prepare(
    'INSERT INTO streams VALUES (?, ?) ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version',
  );
  const versions = new Map<string, number>();
  const rawAppend = async (stream: string, events: readonly { type: string; data: unknown }[]) => {
    const version = versions.get(stream) ?? 0;
    raw.exec('BEGIN IMMEDIATE');
    events.forEach((e, i) => insert.run(stream, version + i + 1, e.type, JSON.stringify(e.data)));
    upsert.run(stream, version + events.length);
    raw.exec('COMMIT');
    versions.set(stream, version + events.length);
  };

  const single = n(1500);
  const o = await sequential(single, (i) => ours.events.appendToStream(`seq-${i % 100}`, [event(i)]));
  const r = await sequential(single, (i) => rawAppend(`seq-${i % 100}`, [event(i)]));
  rows.push(row('sqlite: sequential single-event appends', 'events/s', o.perSecond, { raw: r.perSecond }));

  const batches = n(300);
  const batch = Array.from({ length: 100 }, (_, i) => event(i));
  const ob = await sequential(batches, (i) => ours.events.appendToStream(`batch-${i}`, batch));
  const rb = await sequential(batches, (i) => rawAppend(`batch-${i}`, batch));
  rows.push(
    row('sqlite: appends of 100 events', 'events/s', ob.perSecond * 100, { raw: rb.perSecond * 100 }),
  );

  for (let k = 0; k < 10; k++) {
    await ours.events.appendToStream('long', batch);
    await rawAppend('long', batch);
  }
  const read = raw.prepare('SELECT version, type, data FROM events WHERE stream_id = ? ORDER BY version');
  const or = await timeMs(20, () => ours.events.readStream('long'));
  const rr = await timeMs(20, async () =>
    read.all('long').map((x) => JSON.parse((x as { data: string }).data) as unknown),
  );
  rows.push(row('sqlite: readStream of 1,000 events', 'ms', or, { raw: rr }));

  const oa = await timeMs(10, () => aggregateStream(ours, 'long', balance));
  rows.push(row('sqlite: rehydrate 1,000-event aggregate', 'ms', oa, { raw: rr }));

  const total = n(100_000);
  const seedBatch = Array.from({ length: 500 }, (_, i) => event(i));
  for (let i = 0; i < total / 500; i++) {
    await ours.events.appendToStream(`all-${i}`, seedBatch);
    await rawAppend(`all-${i}`, seedBatch);
  }
  const t0 = performance.now();
  let c = 0;
  for await (const _ of ours.events.readAll({ batchSize: 500 })) c++;
  const oRead = c / ((performance.now() - t0) / 1000);
  const page = raw.prepare(
    'SELECT id, stream_id, version, type, data FROM events WHERE id > ? ORDER BY id LIMIT 500',
  );
  const t1 = performance.now();
  let after = 0;
  let rc = 0;
  for (;;) {
    const got = page.all(after) as { id: number; data: string }[];
    if (got.length === 0) break;
    for (const x of got) JSON.parse(x.data);
    rc += got.length;
    after = got[got.length - 1]!.id;
  }
  const rRead = rc / ((performance.now() - t1) / 1000);
  rows.push(row(`sqlite: readAll of ${c.toLocaleString('en-US')} events`, 'events/s', oRead, { raw: rRead }));
  await ours.close();
  raw.close();
  rmSync(dir, { recursive: true, force: true });
}

await postgresBench();
await sqliteBench();
console.log(describeMachine());
console.log(
  table(
    ['workload', 'unit', 'ours', 'raw', 'emmett', 'vs raw', 'vs emmett'],
    rows.map((r) => [
      r.workload,
      r.unit,
      String(r.ours),
      r.baselines['raw'] === undefined ? '—' : String(r.baselines['raw']),
      r.baselines['emmett'] === undefined ? '—' : String(r.baselines['emmett']),
      r.ratios['raw'] === undefined ? '—' : `${r.ratios['raw'].toFixed(2)}×`,
      r.ratios['emmett'] === undefined ? '—' : `${r.ratios['emmett'].toFixed(2)}×`,
    ]),
    [false, false, true, true, true, true, true],
  ),
);
console.log(
  `\nratio above 1 = Whizbang better (rates: ours/baseline; times: baseline/ours). Wrote ${writeResults('store', rows)}`,
);
