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
import { measure, reportResults, row, type Case, type ResultRow } from './harness/measure.js';

const SCALE = Number(process.env['BENCH_SCALE'] ?? 1) || 1;
const n = (base: number) => Math.max(1, Math.round(base * SCALE));
const CONNECTION = process.env['WHIZBANG_BENCH_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const rows: ResultRow[] = [];
const event = (i: number) => ({ type: 'Deposited', data: { amount: i, note: 'benchmark event' } });

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

type System = 'ours' | 'raw' | 'emmett';
type Systems = Partial<Record<System, (i: number) => Promise<unknown>>>;

/**
 * Times the systems side by side: `rounds` rounds of `iterations` operations each, the systems
 * interleaved within every round (see the harness), so background work in the database
 * (autovacuum, checkpoints) lands on all of them alike. Returns each system's median ns per
 * operation and the p50/p99 latency over every timed operation, in ms.
 */
async function sideBySide(systems: Systems, iterations: number, rounds = 5) {
  const latencies = new Map<string, number[]>();
  let next = 0;
  const cases: Case[] = Object.entries(systems).map(([name, op]) => {
    const samples: number[] = [];
    latencies.set(name, samples);
    return {
      name,
      run: async (k: number) => {
        for (let i = 0; i < k; i++) {
          const t = performance.now();
          await op(next++);
          samples.push(performance.now() - t);
        }
      },
    };
  });
  const warmup = Math.min(50, iterations);
  const measured = await measure(cases, { warmup, rounds, iterations });
  const result = new Map<string, { nsPerOp: number; p50: number; p99: number }>();
  for (const [name, m] of measured) {
    const timed = latencies
      .get(name)!
      .slice(warmup)
      .toSorted((a, b) => a - b);
    result.set(name, { nsPerOp: m.median, p50: percentile(timed, 0.5), p99: percentile(timed, 0.99) });
  }
  return result;
}

/** `sideBySide` for operations that run `workers` at a time: each timed op is one per worker. */
function concurrently(workers: number, op: (w: number, i: number) => Promise<unknown>) {
  return (i: number) => Promise.all(Array.from({ length: workers }, (_, w) => op(w, i)));
}

const perSecond = (nsPerOp: number, eventsPerOp = 1) => (eventsPerOp * 1e9) / nsPerOp;
const ms = (nsPerOp: number) => nsPerOp / 1e6;
function pick<T>(results: Map<string, T>, f: (t: T) => number): Record<string, number> {
  return Object.fromEntries([...results].map(([name, value]) => [name, f(value)]));
}
function rowOf(workload: string, unit: string, values: Record<string, number>): ResultRow {
  const { ours, ...baselines } = values;
  return row(workload, unit, ours!, baselines);
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

  const seq = await sideBySide(
    {
      ours: (i) => ours.events.appendToStream(`seq-${i % 100}`, [event(i)]),
      raw: (i) => raw.append(`seq-${i % 100}`, 1, i),
      emmett: (i) => emmett.appendToStream(`seq-${i % 100}`, [event(i)]),
    },
    n(300),
  );
  rows.push(
    rowOf(
      'pg: sequential single-event appends',
      'events/s',
      pick(seq, (x) => perSecond(x.nsPerOp)),
    ),
  );
  rows.push(
    rowOf(
      'pg: sequential append p50',
      'ms',
      pick(seq, (x) => x.p50),
    ),
  );
  rows.push(
    rowOf(
      'pg: sequential append p99',
      'ms',
      pick(seq, (x) => x.p99),
    ),
  );

  // Each appender writes to its own ten streams, as independent requests would.
  const conc = await sideBySide(
    {
      ours: concurrently(16, (w, i) => ours.events.appendToStream(`conc-${w}-${i % 10}`, [event(i)])),
      raw: concurrently(16, (w, i) => raw.append(`conc-${w}-${i % 10}`, 1, i)),
      emmett: concurrently(16, (w, i) => emmett.appendToStream(`conc-${w}-${i % 10}`, [event(i)])),
    },
    n(50),
  );
  rows.push(
    rowOf(
      'pg: 16 concurrent appenders',
      'events/s',
      pick(conc, (x) => perSecond(x.nsPerOp, 16)),
    ),
  );

  const batch = Array.from({ length: 100 }, (_, i) => event(i));
  const batches = await sideBySide(
    {
      ours: (i) => ours.events.appendToStream(`batch-${i}`, batch),
      raw: (i) => raw.append(`batch-${i}`, 100, 0),
      emmett: (i) => emmett.appendToStream(`batch-${i}`, batch),
    },
    n(20),
  );
  rows.push(
    rowOf(
      'pg: appends of 100 events',
      'events/s',
      pick(batches, (x) => perSecond(x.nsPerOp, 100)),
    ),
  );

  for (let k = 0; k < 10; k++) {
    await ours.events.appendToStream('long', batch);
    await raw.append('long', 100, 0);
    await emmett.appendToStream('long', batch);
  }
  // Reads are timed on settled tables, as in a service that has run for a while: the write
  // workloads above leave dead tuples and stale statistics behind for autovacuum to clean up.
  await raw.pool.query('VACUUM ANALYZE');
  const reads = await sideBySide(
    {
      ours: () => ours.events.readStream('long'),
      raw: () =>
        raw.pool.query({
          name: 'raw-read',
          text: 'SELECT version, type, data FROM bench_raw.events WHERE stream_id = $1 ORDER BY version',
          values: ['long'],
        }),
      emmett: () => emmett.readStream('long'),
    },
    n(10),
  );
  rows.push(
    rowOf(
      'pg: readStream of 1,000 events',
      'ms',
      pick(reads, (x) => ms(x.nsPerOp)),
    ),
  );

  const state = (await aggregateStream(ours, 'long', balance)).state;
  await ours.snapshots.save({ stream: 'long', version: 1000, schemaVersion: 1, state });
  const emmettBalance = {
    evolve: (s: { total: number }, ev: { data: unknown }) => balance.evolve(s, ev),
    initialState: balance.initialState,
  };
  const rehydrate = await sideBySide(
    {
      ours: () => aggregateStream(ours, 'long', balance),
      emmett: () => emmett.aggregateStream('long', emmettBalance),
    },
    n(10),
  );
  rows.push(
    rowOf(
      'pg: rehydrate 1,000-event aggregate',
      'ms',
      pick(rehydrate, (x) => ms(x.nsPerOp)),
    ),
  );
  const fromSnapshot = await sideBySide(
    {
      ours: () => aggregateStream(ours, 'long', balance, { snapshot: { every: 100, schemaVersion: 1 } }),
      emmett: () => emmett.aggregateStream('long', emmettBalance),
    },
    n(10),
  );
  rows.push(
    rowOf(
      'pg: rehydrate 1,000-event aggregate from a snapshot',
      'ms',
      pick(fromSnapshot, (x) => ms(x.nsPerOp)),
    ),
  );

  const total = n(100_000);
  const seedBatch = Array.from({ length: 500 }, (_, i) => event(i));
  for (let i = 0; i < total / 500; i++) {
    await ours.events.appendToStream(`all-${i}`, seedBatch);
    await raw.append(`all-${i}`, 500, 0);
  }
  await raw.pool.query('VACUUM ANALYZE');
  const counted = { ours: 0, raw: 0 };
  const readAll = await sideBySide(
    {
      ours: async () => {
        let c = 0;
        for await (const _ of ours.events.readAll({ batchSize: 500 })) c++;
        counted.ours = c;
      },
      raw: async () => {
        let after = 0;
        let c = 0;
        for (;;) {
          const { rows: page } = await raw.pool.query({
            name: 'raw-page',
            text: 'SELECT id, stream_id, version, type, data FROM bench_raw.events WHERE id > $1 ORDER BY id LIMIT 500',
            values: [after],
          });
          if (page.length === 0) break;
          c += page.length;
          after = Number((page[page.length - 1] as { id: string }).id);
        }
        counted.raw = c;
      },
    },
    1,
    3,
  );
  rows.push(
    rowOf(`pg: readAll of ${counted.ours.toLocaleString('en-US')} events`, 'events/s', {
      ours: perSecond(readAll.get('ours')!.nsPerOp, counted.ours),
      raw: perSecond(readAll.get('raw')!.nsPerOp, counted.raw),
    }),
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

  const seq = await sideBySide(
    {
      ours: (i) => ours.events.appendToStream(`seq-${i % 100}`, [event(i)]),
      raw: (i) => rawAppend(`seq-${i % 100}`, [event(i)]),
    },
    n(300),
  );
  rows.push(
    rowOf(
      'sqlite: sequential single-event appends',
      'events/s',
      pick(seq, (x) => perSecond(x.nsPerOp)),
    ),
  );

  const batch = Array.from({ length: 100 }, (_, i) => event(i));
  const batches = await sideBySide(
    {
      ours: (i) => ours.events.appendToStream(`batch-${i}`, batch),
      raw: (i) => rawAppend(`batch-${i}`, batch),
    },
    n(60),
  );
  rows.push(
    rowOf(
      'sqlite: appends of 100 events',
      'events/s',
      pick(batches, (x) => perSecond(x.nsPerOp, 100)),
    ),
  );

  for (let k = 0; k < 10; k++) {
    await ours.events.appendToStream('long', batch);
    await rawAppend('long', batch);
  }
  const read = raw.prepare('SELECT version, type, data FROM events WHERE stream_id = ? ORDER BY version');
  const rawRead = async () =>
    read.all('long').map((x) => JSON.parse((x as { data: string }).data) as unknown);
  const reads = await sideBySide({ ours: () => ours.events.readStream('long'), raw: rawRead }, n(20));
  rows.push(
    rowOf(
      'sqlite: readStream of 1,000 events',
      'ms',
      pick(reads, (x) => ms(x.nsPerOp)),
    ),
  );
  const rehydrate = await sideBySide(
    {
      ours: () => aggregateStream(ours, 'long', balance),
      raw: async () =>
        read
          .all('long')
          .reduce(
            (s: { total: number }, x) =>
              balance.evolve(s, { data: JSON.parse((x as { data: string }).data) }),
            balance.initialState(),
          ),
    },
    n(20),
  );
  rows.push(
    rowOf(
      'sqlite: rehydrate 1,000-event aggregate',
      'ms',
      pick(rehydrate, (x) => ms(x.nsPerOp)),
    ),
  );

  const total = n(100_000);
  const seedBatch = Array.from({ length: 500 }, (_, i) => event(i));
  for (let i = 0; i < total / 500; i++) {
    await ours.events.appendToStream(`all-${i}`, seedBatch);
    await rawAppend(`all-${i}`, seedBatch);
  }
  const page = raw.prepare(
    'SELECT id, stream_id, version, type, data FROM events WHERE id > ? ORDER BY id LIMIT 500',
  );
  const counted = { ours: 0, raw: 0 };
  const readAll = await sideBySide(
    {
      ours: async () => {
        let c = 0;
        for await (const _ of ours.events.readAll({ batchSize: 500 })) c++;
        counted.ours = c;
      },
      raw: async () => {
        let after = 0;
        let c = 0;
        for (;;) {
          const got = page.all(after) as { id: number; data: string }[];
          if (got.length === 0) break;
          for (const x of got) JSON.parse(x.data);
          c += got.length;
          after = got[got.length - 1]!.id;
        }
        counted.raw = c;
      },
    },
    1,
    3,
  );
  rows.push(
    rowOf(`sqlite: readAll of ${counted.ours.toLocaleString('en-US')} events`, 'events/s', {
      ours: perSecond(readAll.get('ours')!.nsPerOp, counted.ours),
      raw: perSecond(readAll.get('raw')!.nsPerOp, counted.raw),
    }),
  );
  await ours.close();
  raw.close();
  rmSync(dir, { recursive: true, force: true });
}

await postgresBench();
await sqliteBench();
console.log(describeMachine());
reportResults('store', rows);
