/**
 * Baselines: each broker driven by hand with its plain client, the floor under the transports.
 * A publisher sends `count` messages in batches of `batch`, waiting for the broker's
 * confirmation of each batch (RabbitMQ publisher confirms, JetStream PubAcks, Redis replies);
 * a consumer takes them with `prefetch` in flight and acknowledges each (basic.ack, JetStream
 * ack, XACK). No database at either end. A message's latency is from the start of its batch's
 * publish to its arrival at the consumer.
 */
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';

export interface BrokerRun {
  /** Messages per second, first publish to last arrival. */
  readonly rate: number;
  /** Per message, ms. */
  readonly latencies: number[];
}

export interface RawBroker {
  readonly name: string;
  /**
   * With `rate` (messages/s), messages are published one at a time on a fixed schedule, each
   * confirmed before the next, for latency below saturation; without, as fast as confirms allow.
   */
  run(count: number, batch: number, prefetch: number, rate?: number): Promise<BrokerRun>;
  close(): Promise<void>;
}

/** Tracks arrivals until `count` have come; the run's rate and latencies. */
class Arrivals {
  readonly latencies: number[] = [];
  #first = 0;
  #last = 0;
  #done!: () => void;
  readonly done: Promise<void>;

  constructor(readonly count: number) {
    this.done = new Promise((resolve) => (this.#done = resolve));
  }

  started(): void {
    this.#first = performance.now();
  }

  arrived(sentAt: number): void {
    this.#last = performance.now();
    this.latencies.push(this.#last - sentAt);
    if (this.latencies.length === this.count) this.#done();
  }

  result(): BrokerRun {
    return { rate: (this.count * 1000) / (this.#last - this.#first), latencies: this.latencies };
  }
}

/** Waits until message `n` of a run paced at `rate` per second is due. */
export async function due(n: number, rate: number | undefined, start: number): Promise<void> {
  if (rate === undefined) return;
  const wait = start + (n * 1000) / rate - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

const body = (sentAt: number, n: number) =>
  Buffer.from(JSON.stringify({ sentAt, n, note: 'benchmark message' }));
const sentAtOf = (data: Uint8Array | Buffer) =>
  (JSON.parse(Buffer.from(data).toString()) as { sentAt: number }).sentAt;

export async function rawRabbitMq(url: string): Promise<RawBroker> {
  // noDelay: without it, Nagle's algorithm and delayed ACKs add ~40 ms to a lone publish's confirm.
  const connection = await amqp.connect(url, { noDelay: true });
  return {
    name: 'rabbitmq',
    async run(count, batchSize, prefetch, rate) {
      const batch = rate === undefined ? batchSize : 1;
      const queue = `bench.raw.${randomUUID()}`;
      const publisher = await connection.createConfirmChannel();
      const consumer = await connection.createChannel();
      await publisher.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
      await consumer.prefetch(prefetch);
      const arrivals = new Arrivals(count);
      await consumer.consume(queue, (message) => {
        if (!message) return;
        arrivals.arrived(sentAtOf(message.content));
        consumer.ack(message);
      });
      arrivals.started();
      const start = performance.now();
      for (let sent = 0; sent < count; sent += batch) {
        await due(sent, rate, start);
        const at = performance.now();
        for (let i = sent; i < Math.min(count, sent + batch); i++)
          publisher.sendToQueue(queue, body(at, i), { persistent: true, messageId: String(i) });
        await publisher.waitForConfirms();
      }
      await arrivals.done;
      await consumer.close();
      await publisher.deleteQueue(queue);
      await publisher.close();
      return arrivals.result();
    },
    close: () => connection.close(),
  };
}

export async function rawNats(servers: string): Promise<RawBroker> {
  const nc = await natsConnect({ servers });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  return {
    name: 'nats',
    async run(count, batchSize, prefetch, rate) {
      const batch = rate === undefined ? batchSize : 1;
      const name = `benchraw${randomUUID().replaceAll('-', '')}`;
      await jsm.streams.add({
        name,
        subjects: [`${name}.in`],
        storage: StorageType.File,
        retention: RetentionPolicy.Interest,
      });
      await jsm.consumers.add(name, {
        durable_name: 'consumer',
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.New,
        max_ack_pending: prefetch,
      });
      const arrivals = new Arrivals(count);
      const consumer = await js.consumers.get(name, 'consumer');
      const messages = await consumer.consume({ max_messages: prefetch });
      const reading = (async () => {
        for await (const message of messages) {
          arrivals.arrived(sentAtOf(message.data));
          message.ack();
          if (arrivals.latencies.length === count) break;
        }
      })();
      arrivals.started();
      const start = performance.now();
      for (let sent = 0; sent < count; sent += batch) {
        await due(sent, rate, start);
        const at = performance.now();
        const publishes = [];
        for (let i = sent; i < Math.min(count, sent + batch); i++)
          publishes.push(js.publish(`${name}.in`, body(at, i), { msgID: `${name}-${i}` }));
        await Promise.all(publishes);
      }
      await arrivals.done;
      await reading;
      await messages.close();
      await jsm.streams.delete(name);
      return arrivals.result();
    },
    close: () => nc.close(),
  };
}

export async function rawRedis(url: string): Promise<RawBroker> {
  const commands = new Redis(url);
  const reader = new Redis(url);
  return {
    name: 'redis',
    async run(count, batchSize, prefetch, rate) {
      const batch = rate === undefined ? batchSize : 1;
      const key = `bench:raw:${randomUUID()}`;
      await commands.xgroup('CREATE', key, 'consumers', '$', 'MKSTREAM');
      const arrivals = new Arrivals(count);
      const reading = (async () => {
        while (arrivals.latencies.length < count) {
          const reply = (await reader.xreadgroup(
            'GROUP',
            'consumers',
            'c1',
            'COUNT',
            prefetch,
            'BLOCK',
            1000,
            'STREAMS',
            key,
            '>',
          )) as [string, [string, string[]][]][] | null;
          if (!reply) continue;
          const ids: string[] = [];
          for (const [id, fields] of reply[0]![1]) {
            arrivals.arrived(Number(JSON.parse(fields[1]!).sentAt));
            ids.push(id);
          }
          await commands.xack(key, 'consumers', ...ids);
        }
      })();
      arrivals.started();
      const start = performance.now();
      for (let sent = 0; sent < count; sent += batch) {
        await due(sent, rate, start);
        const at = performance.now();
        const pipeline = commands.multi();
        for (let i = sent; i < Math.min(count, sent + batch); i++)
          pipeline.xadd(key, '*', 'body', body(at, i).toString(), 'id', String(i));
        await pipeline.exec();
      }
      await arrivals.done;
      await reading;
      await commands.del(key);
      return arrivals.result();
    },
    async close() {
      reader.disconnect();
      await commands.quit();
    },
  };
}
