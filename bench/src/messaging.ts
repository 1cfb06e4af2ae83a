/**
 * `npm run bench:messaging`: commands from one service to another through each broker, end to
 * end, side by side in one run with the broker driven by hand (`raw`).
 *
 * Ours: 16 concurrent `send` loops commit commands to the sender's outbox on PostgreSQL; the
 * relay claims and publishes them in batches of 100 with the broker's confirmation; the
 * receiver handles them with 64 deliveries in flight, in transactions of up to 64 messages,
 * each message with its inbox record and a document (its effect), on PostgreSQL. Latency: `send` called → effect committed.
 * Raw: the same messages published in batches of 100 with confirmation, consumed with a
 * prefetch of 64 and acked; no database. Latency: batch published → message received.
 * Throughput runs push as fast as each side allows (its latency then is mostly queueing); the
 * latency runs send one message at a time at a steady 500 messages/s for 5 s.
 *
 * Knobs: BENCH_MESSAGES (5,000 per run), BENCH_ROUNDS (3), BENCH_BROKERS (rabbitmq,nats,redis),
 * BENCH_CONSUMER_BATCH (64), BENCH_LATENCY_RATE (500), BENCH_LATENCY_SECONDS (5).
 */
import { Pool } from 'pg';
import { natsTransport } from '@whizbang/nats';
import { rabbitmqTransport } from '@whizbang/rabbitmq';
import { redisTransport } from '@whizbang/redis';
import type { Transport } from '@whizbang/core';
import { rawNats, rawRabbitMq, rawRedis, type BrokerRun, type RawBroker } from './baselines/raw-brokers.js';
import { describeMachine } from './harness/machine.js';
import { median, reportResults, row, type ResultRow } from './harness/measure.js';
import { purgeNats, purgeRabbitMq, purgeRedis } from './messaging/cleanup.js';
import { oursRun } from './messaging/ours.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback) || fallback;
const COUNT = env('BENCH_MESSAGES', 5_000);
const ROUNDS = env('BENCH_ROUNDS', 3);
const BATCH = 100;
const PREFETCH = 64;
const SENDERS = 16;
const CONSUMER_BATCH = env('BENCH_CONSUMER_BATCH', 64);
const LATENCY_RATE = env('BENCH_LATENCY_RATE', 500);
const LATENCY_SECONDS = env('BENCH_LATENCY_SECONDS', 5);
const POSTGRES = process.env['WHIZBANG_BENCH_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const RABBITMQ = process.env['WHIZBANG_BENCH_RABBITMQ'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const NATS = process.env['WHIZBANG_BENCH_NATS'] ?? 'nats://127.0.0.1:4222';
const REDIS = process.env['WHIZBANG_BENCH_REDIS'] ?? 'redis://127.0.0.1:6379';
const BROKERS = (process.env['BENCH_BROKERS'] ?? 'rabbitmq,nats,redis').split(',');

interface Broker {
  readonly name: string;
  readonly raw: () => Promise<RawBroker>;
  readonly transport: () => Promise<Transport>;
  /** Deletes what the transports declared in this run. */
  readonly purge: () => Promise<void>;
}

const brokers: Broker[] = [
  {
    name: 'rabbitmq',
    raw: () => rawRabbitMq(RABBITMQ),
    transport: () => rabbitmqTransport({ url: RABBITMQ, prefix: `bench${process.pid}.` }),
    purge: () => purgeRabbitMq(RABBITMQ, `bench${process.pid}.`),
  },
  {
    name: 'nats',
    raw: () => rawNats(NATS),
    transport: () => natsTransport({ servers: NATS, prefix: `bench${process.pid}` }),
    purge: () => purgeNats(NATS, `bench${process.pid}`),
  },
  {
    name: 'redis',
    raw: () => rawRedis(REDIS),
    transport: async () =>
      redisTransport({ url: REDIS, prefix: `bench:${process.pid}:`, onError: () => undefined }),
    purge: () => purgeRedis(REDIS, `bench:${process.pid}:`),
  },
];

const p = (latencies: readonly number[], q: number) => {
  const sorted = latencies.toSorted((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
};
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

async function main(): Promise<void> {
  const rows: ResultRow[] = [];
  const notes: string[] = [describeMachine()];
  const admin = new Pool({ connectionString: POSTGRES, max: 1 });
  const { rows: pgSettings } = await admin.query(`SELECT current_setting('synchronous_commit') AS sc`);
  await admin.end();
  notes.push(
    `${fmt(COUNT)} messages per run, ${ROUNDS} rounds; batch ${BATCH} (relay claim and publish; raw publish), prefetch ${PREFETCH}, receiver transactions of up to ${CONSUMER_BATCH} messages, ${SENDERS} concurrent senders; PostgreSQL synchronous_commit=${(pgSettings[0] as { sc: string }).sc}`,
  );
  for (const broker of brokers.filter((b) => BROKERS.includes(b.name))) {
    const raw = await broker.raw();
    const ours: BrokerRun[] = [];
    const baseline: BrokerRun[] = [];
    const oursPaced: BrokerRun[] = [];
    const baselinePaced: BrokerRun[] = [];
    const settings = {
      connectionString: POSTGRES,
      batch: BATCH,
      prefetch: PREFETCH,
      senders: SENDERS,
      consumerBatch: CONSUMER_BATCH,
    };
    const paced = LATENCY_RATE * LATENCY_SECONDS;
    try {
      const progress = (what: string) => process.stderr.write(`${broker.name}: ${what}\n`);
      for (let round = 0; round < ROUNDS; round++) {
        progress(`round ${round + 1}, raw throughput`);
        baseline.push(await raw.run(COUNT, BATCH, PREFETCH));
        progress(`round ${round + 1}, ours throughput`);
        ours.push(await oursRun(broker.transport, COUNT, settings));
        progress(`round ${round + 1}, raw latency`);
        baselinePaced.push(await raw.run(paced, BATCH, PREFETCH, LATENCY_RATE));
        progress(`round ${round + 1}, ours latency`);
        oursPaced.push(await oursRun(broker.transport, paced, settings, LATENCY_RATE));
      }
    } finally {
      await raw.close();
      await broker.purge();
    }
    notes.push(
      `${broker.name}: ours ${ours.map((r) => fmt(r.rate)).join(', ')} msg/s; raw ${baseline.map((r) => fmt(r.rate)).join(', ')} msg/s by round`,
    );
    const rate = (runs: BrokerRun[]) => median(runs.map((r) => r.rate));
    const lat = (runs: BrokerRun[], q: number) => median(runs.map((r) => p(r.latencies, q)));
    rows.push(
      row(`${broker.name}: command to remote effect, throughput`, 'msg/s', rate(ours), {
        raw: rate(baseline),
      }),
    );
    rows.push(
      row(`${broker.name}: latency p50 at ${fmt(LATENCY_RATE)} msg/s`, 'ms', lat(oursPaced, 0.5), {
        raw: lat(baselinePaced, 0.5),
      }),
    );
    rows.push(
      row(`${broker.name}: latency p99 at ${fmt(LATENCY_RATE)} msg/s`, 'ms', lat(oursPaced, 0.99), {
        raw: lat(baselinePaced, 0.99),
      }),
    );
    rows.push(
      row(`${broker.name}: latency p99 at full throughput`, 'ms', lat(ours, 0.99), {
        raw: lat(baseline, 0.99),
      }),
    );
  }
  for (const note of notes) console.log(`- ${note}`);
  reportResults('messaging', rows);
}

await main();
