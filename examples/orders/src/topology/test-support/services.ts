/**
 * The servers the topology suite runs on, from the environment (the same variables the
 * packages' integration tests read), whether each answers (in CI a missing one fails the run),
 * and the clean-up of what a run left on them: its schemas, its queues and exchanges, its streams.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as connectNats } from '@nats-io/transport-node';
import { connect as connectAmqp } from 'amqplib';
import { Pool } from 'pg';
import { realService } from '@whizbang/testing';

export const POSTGRES_URL =
  process.env['WHIZBANG_TEST_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432/test';
export const RABBITMQ_URL = process.env['WHIZBANG_TEST_RABBITMQ'] ?? 'amqp://guest:guest@127.0.0.1:5672';
export const NATS_URL = process.env['WHIZBANG_TEST_NATS'] ?? 'nats://127.0.0.1:4222';

/** True when the server at `url` answers; fails the run in CI when it does not. */
export function answers(name: string, url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return realService({ name, host: hostname, port: Number(port || defaultPort) });
}

/** Drops the schemas, whatever they hold. */
export async function dropSchemas(schemas: readonly string[]): Promise<void> {
  const pool = new Pool({ connectionString: POSTGRES_URL, max: 1 });
  try {
    for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await pool.end();
  }
}

/**
 * Runs rabbitmqctl (WHIZBANG_TEST_RABBITMQCTL, e.g. `docker exec rabbitmq rabbitmqctl`, for a
 * broker elsewhere): AMQP can neither list queues nor count the messages handed out.
 */
async function rabbitmqctl(...args: string[]): Promise<string[][]> {
  const [command, ...pre] = (process.env['WHIZBANG_TEST_RABBITMQCTL'] ?? 'rabbitmqctl').split(' ');
  const { stdout } = await promisify(execFile)(command ?? 'rabbitmqctl', [
    ...pre,
    ...args,
    '--quiet',
    '--no-table-headers',
  ]);
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => line.split(/\s+/));
}

/** Deletes every RabbitMQ queue and exchange whose name starts with `prefix`. */
export async function deleteRabbitMqNames(prefix: string): Promise<void> {
  const names = async (what: string) =>
    (await rabbitmqctl(what, 'name')).flatMap(([name]) => (name?.startsWith(prefix) ? [name] : []));
  const [queues, exchanges] = await Promise.all([names('list_queues'), names('list_exchanges')]);
  const connection = await connectAmqp(RABBITMQ_URL);
  try {
    const channel = await connection.createChannel();
    for (const queue of queues) await channel.deleteQueue(queue);
    for (const exchange of exchanges) await channel.deleteExchange(exchange);
  } finally {
    await connection.close();
  }
}

/** What a broker holds under a run's prefix. */
export interface BrokerMessages {
  /** Messages not yet settled: waiting in a queue, or handed to a consumer and not yet acked. */
  readonly waiting: number;
  /** Messages parked in the dead-letter queues or streams. */
  readonly deadLetters: number;
}

/** The messages in RabbitMQ's queues named `prefix…`: `messages` counts the ready and the unacked. */
export async function rabbitMqMessages(prefix: string): Promise<BrokerMessages> {
  let [waiting, deadLetters] = [0, 0];
  for (const [name, messages] of await rabbitmqctl('list_queues', 'name', 'messages')) {
    if (name === undefined || !name.startsWith(prefix)) continue;
    if (name.endsWith(':dead-letters')) deadLetters += Number(messages);
    else waiting += Number(messages);
  }
  return { waiting, deadLetters };
}

/**
 * The messages in the JetStream streams the transport made with `prefix`. A destination's
 * stream keeps a message until every group has acked it (interest retention), so what it holds
 * is the work outstanding; its `-dlq` stream holds the dead letters.
 */
export async function natsMessages(prefix: string): Promise<BrokerMessages> {
  let [waiting, deadLetters] = [0, 0];
  const connection = await connectNats({ servers: NATS_URL });
  try {
    const manager = await jetstreamManager(connection);
    for await (const { config, state } of manager.streams.list()) {
      if (!config.name.startsWith(`${prefix}_`)) continue;
      if (config.name.endsWith('-dlq')) deadLetters += state.messages;
      else waiting += state.messages;
    }
  } finally {
    await connection.close();
  }
  return { waiting, deadLetters };
}

/** Deletes every JetStream stream the transport made with `prefix` (`<prefix>_<destination>`). */
export async function deleteNatsStreams(prefix: string): Promise<void> {
  const connection = await connectNats({ servers: NATS_URL });
  try {
    const manager = await jetstreamManager(connection);
    for await (const name of manager.streams.names())
      if (name.startsWith(`${prefix}_`)) await manager.streams.delete(name);
  } finally {
    await connection.close();
  }
}
