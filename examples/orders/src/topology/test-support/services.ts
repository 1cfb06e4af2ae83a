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
 * Deletes every RabbitMQ queue and exchange whose name starts with `prefix`. AMQP cannot list
 * them: rabbitmqctl does (WHIZBANG_TEST_RABBITMQCTL, e.g. `docker exec rabbitmq rabbitmqctl`,
 * for a broker elsewhere).
 */
export async function deleteRabbitMqNames(prefix: string): Promise<void> {
  const [command, ...pre] = (process.env['WHIZBANG_TEST_RABBITMQCTL'] ?? 'rabbitmqctl').split(' ');
  const names = async (what: string) => {
    const { stdout } = await promisify(execFile)(command ?? 'rabbitmqctl', [
      ...pre,
      what,
      '--quiet',
      '--no-table-headers',
      'name',
    ]);
    return stdout
      .split('\n')
      .map((line) => line.trim())
      .filter((name) => name.startsWith(prefix));
  };
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
