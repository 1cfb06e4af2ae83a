/**
 * A child process that appends events at a steady rate, for lag measurements: the writers of a
 * real system are other processes, so the projection under test is woken the way it would be
 * in production (PostgreSQL NOTIFY, polling) and does not share an event loop with them.
 *
 * Started with `fork()`; it gets a `PacedWriterJob` message, runs `writers` concurrent loops
 * that each append one event at a time on a fixed schedule (event k of writer w is due at
 * start + (k × writers + w) / rate; a late writer catches up without pausing), and answers
 * with every event's sequence number and the wall-clock time (ms, sub-millisecond) at which its
 * append was acknowledged, that is, committed.
 */
import { postgresStore } from '@whizbang/postgres';

export interface PacedWriterJob {
  readonly connectionString: string;
  readonly schema: string;
  readonly eventType: string;
  /** Events per second, all writers together. */
  readonly rate: number;
  readonly seconds: number;
  readonly writers: number;
  readonly streams: number;
}

export interface PacedWriterReport {
  /** `acked[seq]`: wall-clock ms at which event `seq` was acknowledged. */
  readonly acked: number[];
  /** Append latencies, ms, in order of `seq`. */
  readonly latencies: number[];
  readonly startedAt: number;
  readonly finishedAt: number;
}

/** Wall-clock time in ms with sub-millisecond precision, comparable across processes. */
export const wallClock = (): number => performance.timeOrigin + performance.now();

async function run(job: PacedWriterJob): Promise<PacedWriterReport> {
  const store = postgresStore({
    connectionString: job.connectionString,
    schema: job.schema,
    maxConnections: job.writers,
  });
  await store.migrate();
  // Connections open and statements warm before the clock starts.
  await Promise.all(
    Array.from({ length: job.writers }, (_, w) =>
      store.events.appendToStream(`paced-warmup-${w}`, [{ type: 'PacedWarmup', data: {} }]),
    ),
  );
  const total = Math.round(job.rate * job.seconds);
  const acked = Array.from({ length: total }, () => 0);
  const latencies = Array.from({ length: total }, () => 0);
  const startedAt = wallClock() + 50;
  const writer = async (w: number) => {
    for (let seq = w; seq < total; seq += job.writers) {
      const due = startedAt + (seq * 1000) / job.rate;
      const wait = due - wallClock();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const sent = wallClock();
      await store.events.appendToStream(`paced-${seq % job.streams}`, [
        { type: job.eventType, data: { amount: (seq % 100) + 1, seq } },
      ]);
      const ack = wallClock();
      acked[seq] = ack;
      latencies[seq] = ack - sent;
    }
  };
  await Promise.all(Array.from({ length: job.writers }, (_, w) => writer(w)));
  const finishedAt = wallClock();
  await store.close();
  return { acked, latencies, startedAt, finishedAt };
}

process.once('message', (job: PacedWriterJob) => {
  run(job).then(
    (report) => process.send!(report, () => process.exit(0)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
