/**
 * `npm run bench:projections`: async projections (the projection daemon) on PostgreSQL and
 * SQLite, side by side in one run with a hand-written projection on the plain driver (`raw`)
 * and, on PostgreSQL, Emmett's async projections.
 *
 * Catch-up: a log of 100,000 `Deposited` events over 1,000 streams (appended beforehand, two
 * events per stream at a time, round-robin over the streams, so a page of 500 events touches
 * 250 documents) is projected into one summary document per stream (count, sum of the
 * amounts, last version), with 1 and with 4 partitions. Each run starts from an empty
 * projection and is timed from start until the commit that holds the last event; every run is
 * checked to have counted every event exactly once.
 *
 * Lag: with the daemon running (1 partition, PostgreSQL), another process appends single events
 * at a steady rate (2,000 events/s from 4 writers, 10 s); an event's lag is the time its
 * projection commit returned minus the time its append was acknowledged.
 *
 * Knobs: BENCH_SCALE multiplies the log (and the streams); BENCH_ROUNDS (5) after BENCH_WARMUP
 * untimed runs of every case (1); BENCH_LAG_RATE
 * (2000) and BENCH_LAG_SECONDS (10), BENCH_LAG=0 leaves it out; BENCH_ONLY=pg or sqlite runs one
 * store; BENCH_EMMETT=0 leaves Emmett out, BENCH_EMMETT_EVENTS sets
 * the size of its log (default: the same as ours).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { Pool } from 'pg';
import {
  ProjectionDaemon,
  REGISTRY_COLLECTION,
  waitForProjections,
  type Store,
  type StreamAppend,
} from '@whizbang/core';
import { postgresStore } from '@whizbang/postgres';
import { sqliteStore } from '@whizbang/sqlite';
import { EmmettProjections } from './baselines/emmett-projections.js';
import { RawPgProjector } from './baselines/raw-projector-pg.js';
import { RawSqliteProjector } from './baselines/raw-projector-sqlite.js';
import { CommitClock } from './harness/commit-clock.js';
import { describeMachine } from './harness/machine.js';
import { measure, median, reportResults, row, type ResultRow } from './harness/measure.js';
import { wallClock } from './harness/paced-writer.js';
import { daemonLag, rawLag, type LagResult, type LagSettings } from './projections/lag.js';
import { checkTotals, deposits, summaries, totalsOf } from './projections/summaries.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback) || fallback;
const SCALE = env('BENCH_SCALE', 1);
const n = (base: number) => Math.max(1, Math.round(base * SCALE));
const STREAMS = Math.max(10, n(1_000));
const PER_APPEND = 2;
const EVENTS = Math.ceil(n(100_000) / (STREAMS * PER_APPEND)) * STREAMS * PER_APPEND;
const BATCH = 500;
const ROUNDS = env('BENCH_ROUNDS', 5);
/** Untimed runs of each catch-up case first (BENCH_WARMUP=0 for none). */
const WARMUP = process.env['BENCH_WARMUP'] === '0' ? 0 : env('BENCH_WARMUP', 1);
/** `pg` or `sqlite` runs one of the two; without it, both run. */
const ONLY = process.env['BENCH_ONLY'];
/** BENCH_LAG=0 leaves out the lag measurement. */
const LAG = process.env['BENCH_LAG'] !== '0';
const LAG_RATE = env('BENCH_LAG_RATE', 2_000);
const LAG_SECONDS = env('BENCH_LAG_SECONDS', 10);
const LAG_WRITERS = 4;
const EMMETT = process.env['BENCH_EMMETT'] !== '0';
const EMMETT_EVENTS = Math.min(EVENTS, env('BENCH_EMMETT_EVENTS', EVENTS));
const CONNECTION = process.env['WHIZBANG_BENCH_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = 'bench_projections';
const RAW_SCHEMA = 'bench_projections_raw';

const rows: ResultRow[] = [];
const notes: string[] = [];
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

/** Appends the log through Whizbang, 100 streams (200 events) per atomic multi-stream append. */
async function seed(store: Store): Promise<number> {
  const t = performance.now();
  let chunk: StreamAppend[] = [];
  for (const append of deposits(EVENTS, STREAMS, PER_APPEND)) {
    chunk.push(append);
    // One append per stream at most in a chunk: appendToStreams refuses a stream twice.
    if (chunk.length === Math.min(100, STREAMS)) {
      await store.events.appendToStreams(chunk);
      chunk = [];
    }
  }
  if (chunk.length > 0) await store.events.appendToStreams(chunk);
  return performance.now() - t;
}

let runs = 0;
/**
 * One catch-up of the whole log by the daemon, into a new projection; returns ms. `reset`
 * empties the documents first, as the raw baseline's reset does for its own.
 */
async function daemonCatchUp(store: Store, partitions: number, reset: () => Promise<void>): Promise<number> {
  await reset();
  const clock = new CommitClock(store);
  const projection = summaries(`summaries-${partitions}p-${runs++}`, partitions, clock);
  const daemon = new ProjectionDaemon({ store: clock.store, projections: [projection], batchSize: BATCH });
  const done = clock.reached(EVENTS);
  const start = wallClock();
  await daemon.start();
  const end = await done;
  await waitForProjections(store, [projection], { timeoutMs: 120_000 });
  await daemon.stop();
  checkTotals(`ours, ${partitions} partition(s)`, await totalsOf(store, projection), EVENTS);
  return end - start;
}

/**
 * The catch-up cases, run side by side through the harness: each round runs every case once,
 * interleaved. A case records its own time (start to last commit) rather than the harness's,
 * which would include the checks and the reset after it.
 */
async function catchUpRounds(
  label: string,
  cases: Record<string, () => Promise<number>>,
): Promise<Map<string, number[]>> {
  const times = new Map<string, number[]>(Object.keys(cases).map((name) => [name, []]));
  await measure(
    Object.entries(cases).map(([name, run]) => ({
      name,
      run: async (k: number) => {
        for (let i = 0; i < k; i++) times.get(name)!.push(await run());
      },
    })),
    { warmup: WARMUP, rounds: ROUNDS, iterations: 1 },
  );
  // The warm-up runs (JIT, connections, prepared statements) are recorded first: left out.
  for (const ms of times.values()) ms.splice(0, WARMUP);
  for (const [name, ms] of times)
    notes.push(`${label} ${name}: ${ms.map((x) => fmt((EVENTS * 1000) / x)).join(', ')} events/s by round`);
  return times;
}

const rate = (ms: readonly number[]) => (EVENTS * 1000) / median(ms);

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

// ---------------------------------------------------------------- PostgreSQL
async function postgresBench(): Promise<void> {
  const admin = new Pool({ connectionString: CONNECTION, max: 2 });
  await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  const settings = await admin.query(
    `SELECT version() AS version, current_setting('synchronous_commit') AS sc, current_setting('shared_buffers') AS sb`,
  );
  const s = settings.rows[0] as { version: string; sc: string; sb: string };
  notes.push(`${s.version.split(' on ')[0]}, synchronous_commit=${s.sc}, shared_buffers=${s.sb}`);
  const store = postgresStore({ connectionString: CONNECTION, schema: SCHEMA });
  await store.migrate();
  const pool = new Pool({ connectionString: CONNECTION, max: 8 });
  const raw = new RawPgProjector({
    pool,
    eventsSchema: SCHEMA,
    schema: RAW_SCHEMA,
    eventType: 'Deposited',
    batchSize: BATCH,
  });
  await raw.setup();
  notes.push(`pg: seeded ${fmt(EVENTS)} events in ${fmt(await seed(store))} ms`);
  await admin.query(`VACUUM ANALYZE ${SCHEMA}.events`);

  const rawCatchUp = async (partitions: number) => {
    await raw.reset();
    const start = wallClock();
    await raw.catchUp(partitions);
    const ms = wallClock() - start;
    checkTotals(`raw, ${partitions} partition(s)`, await raw.totals(), EVENTS);
    return ms;
  };
  // Each run starts from an empty, vacuumed documents table, as the raw baseline's does: a
  // projection rewrites each of its 1,000 documents 100 times, and the dead rows left behind
  // would slow whichever run comes next until autovacuum gets to them.
  const resetOurs = async () => {
    await admin.query(`DELETE FROM ${SCHEMA}.documents WHERE collection <> $1`, [REGISTRY_COLLECTION]);
    await admin.query(`VACUUM ANALYZE ${SCHEMA}.documents`);
  };
  const times = await catchUpRounds('pg', {
    'ours, 1 partition': () => daemonCatchUp(store, 1, resetOurs),
    'raw, 1 partition': () => rawCatchUp(1),
    'ours, 4 partitions': () => daemonCatchUp(store, 4, resetOurs),
    'raw, 4 partitions': () => rawCatchUp(4),
  });

  const baselines1: Record<string, number> = { raw: rate(times.get('raw, 1 partition')!) };
  if (EMMETT) {
    const emmett = new EmmettProjections(CONNECTION, admin);
    await emmett.reset();
    // One writer: Emmett 0.42's consumer pages by global_position after ordering by
    // transaction id, so events appended concurrently can be skipped (see RESULTS.md).
    const t = performance.now();
    for (const { stream, events } of deposits(EMMETT_EVENTS, STREAMS, PER_APPEND))
      await emmett.append(stream, events);
    notes.push(
      `emmett: seeded ${fmt(EMMETT_EVENTS)} events in ${fmt(performance.now() - t)} ms (one writer)`,
    );
    await admin.query('VACUUM ANALYZE emt_messages, emt_streams');
    const start = wallClock();
    await emmett.catchUp('bench_emmett_summaries', BATCH);
    const ms = wallClock() - start;
    checkTotals('emmett', await emmett.totals('bench_emmett_summaries'), EMMETT_EVENTS);
    baselines1['emmett'] = (EMMETT_EVENTS * 1000) / ms;
    notes.push(`emmett: ${fmt(baselines1['emmett'])} events/s, one run over ${fmt(EMMETT_EVENTS)} events`);
    await emmett.close();
  }
  rows.push(
    row(
      `pg: catch-up of ${fmt(EVENTS)} events, 1 partition`,
      'events/s',
      rate(times.get('ours, 1 partition')!),
      baselines1,
    ),
  );
  rows.push(
    row(
      `pg: catch-up of ${fmt(EVENTS)} events, 4 partitions`,
      'events/s',
      rate(times.get('ours, 4 partitions')!),
      {
        raw: rate(times.get('raw, 4 partitions')!),
      },
    ),
  );

  const lag: LagSettings = {
    connectionString: CONNECTION,
    schema: SCHEMA,
    rawSchema: RAW_SCHEMA,
    rate: LAG_RATE,
    seconds: LAG_SECONDS,
    writers: LAG_WRITERS,
    streams: STREAMS,
    batchSize: BATCH,
  };
  if (LAG) await lagRows(store, pool, lag);
  await store.close();
  await pool.end();
  await admin.query(`DROP SCHEMA ${SCHEMA} CASCADE`);
  await admin.query(`DROP SCHEMA ${RAW_SCHEMA} CASCADE`);
  await admin.end();
}

async function lagRows(store: Store, pool: Pool, lag: LagSettings): Promise<void> {
  const ours = await daemonLag(store, lag);
  const rawResult = await rawLag(pool, lag);
  for (const [label, p] of [
    ['p50', 0.5],
    ['p99', 0.99],
    ['max', 1],
  ] as const) {
    const at = (r: LagResult) =>
      percentile(
        r.lags.toSorted((a, b) => a - b),
        p,
      );
    rows.push(row(`pg: lag at ${fmt(LAG_RATE)} events/s, ${label}`, 'ms', at(ours), { raw: at(rawResult) }));
  }
  for (const [name, r] of [
    ['ours', ours],
    ['raw', rawResult],
  ] as const) {
    const { report } = r;
    const achieved = (report.acked.length * 1000) / (report.finishedAt - report.startedAt);
    const latencies = report.latencies.toSorted((a, b) => a - b);
    notes.push(
      `lag ${name}: ${fmt(report.acked.length)} events appended at ${fmt(achieved)} events/s, append p50 ${percentile(latencies, 0.5).toFixed(2)} ms, p99 ${percentile(latencies, 0.99).toFixed(2)} ms`,
    );
  }
}

// ---------------------------------------------------------------- SQLite
async function sqliteBench(): Promise<void> {
  const dir = new URL('../.work/projections/', import.meta.url).pathname;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const path = `${dir}log.db`;
  const store = sqliteStore({ path });
  await store.migrate();
  notes.push(`sqlite: seeded ${fmt(EVENTS)} events in ${fmt(await seed(store))} ms`);
  const raw = new RawSqliteProjector(path, { eventType: 'Deposited', batchSize: BATCH });
  // As on PostgreSQL, each run starts without the documents of the runs before it.
  const admin = new DatabaseSync(path);
  const resetOurs = async () => {
    admin.prepare('DELETE FROM documents WHERE collection <> ?').run(REGISTRY_COLLECTION);
  };
  const rawCatchUp = async (partitions: number) => {
    raw.reset();
    const start = wallClock();
    await raw.catchUp(partitions);
    const ms = wallClock() - start;
    checkTotals(`raw sqlite, ${partitions} partition(s)`, raw.totals(), EVENTS);
    return ms;
  };
  const times = await catchUpRounds('sqlite', {
    'ours, 1 partition': () => daemonCatchUp(store, 1, resetOurs),
    'raw, 1 partition': () => rawCatchUp(1),
    'ours, 4 partitions': () => daemonCatchUp(store, 4, resetOurs),
    'raw, 4 partitions': () => rawCatchUp(4),
  });
  for (const partitions of [1, 4]) {
    const suffix = partitions === 1 ? '1 partition' : `${partitions} partitions`;
    rows.push(
      row(
        `sqlite: catch-up of ${fmt(EVENTS)} events, ${suffix}`,
        'events/s',
        rate(times.get(`ours, ${suffix}`)!),
        {
          raw: rate(times.get(`raw, ${suffix}`)!),
        },
      ),
    );
  }
  raw.close();
  admin.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

if (ONLY !== 'sqlite') await postgresBench();
if (ONLY !== 'pg') await sqliteBench();
console.log(describeMachine());
for (const note of notes) console.log(`- ${note}`);
reportResults('projections', rows);
