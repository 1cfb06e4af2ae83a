/**
 * Whizbang end to end: a sending service `send`s commands routed to a receiving service. Each
 * send commits the command to the sender's outbox (PostgreSQL); the sender's relay publishes
 * in batches with the broker's confirmation; the receiver handles each message in a
 * transaction with its inbox record and an effect (a document), on its own PostgreSQL schema.
 * A message's latency is from the start of its `send` to the commit of its effect.
 */
import { Pool } from 'pg';
import { defineCommand, handle, type, whizbang, type Transport } from '@whizbang/core';
import { postgresStore } from '@whizbang/postgres';
import { due, type BrokerRun } from '../baselines/raw-brokers.js';
import { CommitClock } from '../harness/commit-clock.js';
import { wallClock } from '../harness/paced-writer.js';

const BenchPing = defineCommand('BenchPing', { data: type<{ n: number }>() });

export interface OursSettings {
  readonly connectionString: string;
  /** Messages per relay claim and publish (the raw publisher's batch). */
  readonly batch: number;
  /** Deliveries in flight per consumer (the raw consumer's prefetch). */
  readonly prefetch: number;
  /** Concurrent `send` loops on the sending side. */
  readonly senders: number;
  /** Deliveries the receiver handles in one transaction. */
  readonly consumerBatch: number;
}

let runs = 0;
const WARMUP = 100;

/** With `rate` (messages/s), each `send` starts on a fixed schedule; without, as fast as it can. */
export async function oursRun(
  connect: () => Promise<Transport>,
  count: number,
  settings: OursSettings,
  rate?: number,
): Promise<BrokerRun> {
  const run = `${process.pid}_${runs++}`;
  const schemas = { sender: `bench_msg_send_${run}`, receiver: `bench_msg_recv_${run}` };
  const senderStore = postgresStore({
    connectionString: settings.connectionString,
    schema: schemas.sender,
    maxConnections: 20,
  });
  const receiverStore = postgresStore({
    connectionString: settings.connectionString,
    schema: schemas.receiver,
    maxConnections: 20,
  });
  await Promise.all([senderStore.migrate(), receiverStore.migrate()]);
  const clock = new CommitClock(receiverStore);
  const [senderTransport, receiverTransport] = [await connect(), await connect()];
  const service = `bench-receiver-${run.replaceAll('_', '-')}`;
  const receiver = whizbang({
    store: clock.store,
    messaging: {
      transport: receiverTransport,
      service,
      prefetch: settings.prefetch,
      batchSize: settings.consumerBatch,
      runRelay: false,
    },
    handlers: [
      handle(BenchPing, async (command, ctx) => {
        await ctx.store.documents.put('effects', String(command.data.n), { n: command.data.n });
        clock.applied(command.data.n);
      }),
    ],
  });
  const sender = whizbang({
    store: senderStore,
    messaging: {
      transport: senderTransport,
      service: `bench-sender-${run.replaceAll('_', '-')}`,
      commandRoutes: { BenchPing: service },
      runConsumers: false,
      relay: { batchSize: settings.batch, pollIntervalMs: 50 },
    },
  });
  // The first messages pay for connections, prepared statements and JIT: sent, not measured.
  const warmup = Math.min(WARMUP, count);
  const total = warmup + count;
  const sentAt = new Float64Array(total);
  const committedAt = new Float64Array(total);
  clock.onCommit((seqs, at) => {
    for (const n of seqs) committedAt[n] = at;
  });
  try {
    await receiver.start();
    await sender.start();
    const send = async (from: number, to: number, paced: number | undefined) => {
      const start = performance.now();
      let next = from;
      await Promise.all(
        Array.from({ length: settings.senders }, async () => {
          for (let n = next++; n < to; n = next++) {
            await due(n - from, paced, start);
            sentAt[n] = wallClock();
            await sender.send(BenchPing({ n }));
          }
        }),
      );
    };
    await send(0, warmup, undefined);
    await clock.reached(warmup);
    const done = clock.reached(total);
    const first = wallClock();
    await send(warmup, total, rate);
    const last = await done;
    const latencies = Array.from({ length: count }, (_, i) => committedAt[warmup + i]! - sentAt[warmup + i]!);
    return { rate: (count * 1000) / (last - first), latencies };
  } finally {
    await sender.stop();
    await receiver.stop();
    await Promise.all([senderTransport.close(), receiverTransport.close()]);
    await Promise.all([senderStore.close(), receiverStore.close()]);
    const admin = new Pool({ connectionString: settings.connectionString, max: 1 });
    await admin.query(
      `DROP SCHEMA IF EXISTS ${schemas.sender} CASCADE; DROP SCHEMA IF EXISTS ${schemas.receiver} CASCADE`,
    );
    await admin.end();
  }
}
