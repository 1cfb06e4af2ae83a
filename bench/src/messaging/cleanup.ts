/**
 * Removes what a benchmark run left on the brokers: the exchanges, queues, streams and keys the
 * transports declared under the run's prefix. (Transports never delete topology: in production
 * it outlives every process.)
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';

const run = promisify(execFile);

export async function purgeRabbitMq(url: string, prefix: string): Promise<void> {
  const names = async (what: string) =>
    (await run('rabbitmqctl', [what, '--quiet', '--no-table-headers', 'name'])).stdout
      .split('\n')
      .map((line) => line.trim())
      .filter((name) => name.startsWith(prefix));
  const [queues, exchanges] = [await names('list_queues'), await names('list_exchanges')];
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    for (const queue of queues) await channel.deleteQueue(queue);
    for (const exchange of exchanges) await channel.deleteExchange(exchange);
  } finally {
    await connection.close();
  }
}

export async function purgeNats(servers: string, prefix: string): Promise<void> {
  const nc = await natsConnect({ servers });
  try {
    const jsm = await jetstreamManager(nc);
    for await (const stream of jsm.streams.list())
      if (stream.config.name.startsWith(prefix)) await jsm.streams.delete(stream.config.name);
  } finally {
    await nc.close();
  }
}

export async function purgeRedis(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}
