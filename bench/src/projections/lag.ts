/**
 * Projection lag under a steady append rate, PostgreSQL, one partition. A child process (see
 * `harness/paced-writer.ts`) appends single events at the rate through Whizbang's store while
 * the projection runs here; an event's lag is the time the transaction that put it in its
 * document committed, minus the time its append was acknowledged to the writer. Both clocks are
 * the machine's wall clock, read with sub-millisecond precision.
 */
import { fork } from 'node:child_process';
import type { Pool } from 'pg';
import { ProjectionDaemon, waitForProjections, type Store } from '@whizbang/core';
import { RawPgProjector } from '../baselines/raw-projector-pg.js';
import { CommitClock } from '../harness/commit-clock.js';
import { wallClock, type PacedWriterJob, type PacedWriterReport } from '../harness/paced-writer.js';
import { summaries } from './summaries.js';

export interface LagSettings {
  readonly connectionString: string;
  /** Whizbang's schema: the writer appends there, and the raw baseline reads its events. */
  readonly schema: string;
  readonly rawSchema: string;
  readonly rate: number;
  readonly seconds: number;
  readonly writers: number;
  readonly streams: number;
  readonly batchSize: number;
}

export interface LagResult {
  /** Per event, ms. */
  readonly lags: number[];
  readonly report: PacedWriterReport;
}

const EVENT_TYPE = 'Paced';

function runWriter(settings: LagSettings): Promise<PacedWriterReport> {
  const child = fork(new URL('../harness/paced-writer.js', import.meta.url), { stdio: 'inherit' });
  const job: PacedWriterJob = {
    connectionString: settings.connectionString,
    schema: settings.schema,
    eventType: EVENT_TYPE,
    rate: settings.rate,
    seconds: settings.seconds,
    writers: settings.writers,
    streams: settings.streams,
  };
  return new Promise((resolve, reject) => {
    child.once('message', (report) => resolve(report as PacedWriterReport));
    child.once('exit', (code) => code !== 0 && reject(new Error(`paced writer exited with ${code}`)));
    child.send(job);
  });
}

/** Runs the writer; `visibleAt[seq]` is filled in as events reach their documents. */
async function lagRun(settings: LagSettings, visibleAt: Float64Array): Promise<LagResult> {
  const report = await runWriter(settings);
  const deadline = Date.now() + 60_000;
  while (visibleAt.some(Number.isNaN) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const missing = visibleAt.filter(Number.isNaN).length;
  if (missing > 0) throw new Error(`${missing} paced events were not projected within 60 s`);
  const lags = report.acked.map((ack, seq) => Math.max(0, visibleAt[seq]! - ack));
  return { lags, report };
}

const unseen = (settings: LagSettings) =>
  new Float64Array(Math.round(settings.rate * settings.seconds)).fill(Number.NaN);

/** The daemon with its defaults (woken by NOTIFY, polling every second), from the head of the log. */
export async function daemonLag(store: Store, settings: LagSettings): Promise<LagResult> {
  const clock = new CommitClock(store);
  const projection = summaries('lag-summaries', 1, clock, EVENT_TYPE);
  const daemon = new ProjectionDaemon({
    store: clock.store,
    projections: [projection],
    batchSize: settings.batchSize,
  });
  await daemon.start();
  await waitForProjections(store, [projection], { timeoutMs: 60_000 });
  const visibleAt = unseen(settings);
  clock.onCommit((seqs, at) => {
    for (const seq of seqs) if (Number.isNaN(visibleAt[seq]!)) visibleAt[seq] = at;
  });
  try {
    return await lagRun(settings, visibleAt);
  } finally {
    await daemon.stop();
  }
}

/** The raw baseline, from the head of the log, woken as the daemon is: NOTIFY, else a poll every second. */
export async function rawLag(pool: Pool, settings: LagSettings): Promise<LagResult> {
  const raw = new RawPgProjector({
    pool,
    eventsSchema: settings.schema,
    schema: settings.rawSchema,
    eventType: EVENT_TYPE,
    batchSize: settings.batchSize,
  });
  await raw.reset();
  const from = await raw.head();
  const visibleAt = unseen(settings);
  const listener = await pool.connect();
  let wakeUp: (() => void) | undefined;
  listener.on('notification', () => wakeUp?.());
  await listener.query(`LISTEN "whizbang_append_${settings.schema}"`);
  let stopped = false;
  const wake = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000);
      wakeUp = () => (clearTimeout(timer), resolve());
    });
  const tail = raw.tail(
    wake,
    () => stopped,
    (events) => {
      const at = wallClock();
      for (const { data } of events) if (Number.isNaN(visibleAt[data.seq!]!)) visibleAt[data.seq!] = at;
    },
    from,
  );
  try {
    return await lagRun(settings, visibleAt);
  } finally {
    stopped = true;
    wakeUp?.();
    await tail;
    await listener.query('UNLISTEN *');
    listener.release();
  }
}
