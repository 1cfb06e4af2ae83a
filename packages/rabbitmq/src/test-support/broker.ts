// Test plumbing: the broker from the environment, its administration, and clean-up by prefix.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { connect } from 'amqplib';
import { realService } from '@whizbang/testing';

export const brokerUrl = process.env['WHIZBANG_TEST_RABBITMQ'] ?? 'amqp://guest:guest@127.0.0.1:5672';

/**
 * How to run rabbitmqctl against the broker under test (default `rabbitmqctl`, the local
 * node); for a broker in a container, e.g. `docker exec rabbitmq rabbitmqctl`.
 */
const ctl = (process.env['WHIZBANG_TEST_RABBITMQCTL'] ?? 'rabbitmqctl').split(' ').filter(Boolean);

/** True when RabbitMQ answers; fails the run in CI when it does not. */
export function rabbitmqAvailable(): Promise<boolean> {
  const url = new URL(brokerUrl);
  return realService({ name: 'RabbitMQ', host: url.hostname, port: Number(url.port || 5672) });
}

export async function rabbitmqctl(...args: string[]): Promise<string> {
  const [command, ...pre] = ctl as [string, ...string[]];
  const { stdout } = await promisify(execFile)(command, [...pre, ...args], { timeout: 90_000 });
  return stdout;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the broker takes AMQP connections (listening is not enough: it refuses them while booting). */
export async function untilBrokerAccepts(timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const connection = await connect(brokerUrl, { timeout: 2_000 });
      await connection.close();
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`RabbitMQ did not accept connections within ${timeoutMs} ms: ${String(error)}`, {
          cause: error,
        });
      await pause(100);
    }
  }
}

/** Stops the RabbitMQ application (the node stays up; durable queues and persistent messages survive). */
export async function stopBroker(): Promise<void> {
  await rabbitmqctl('stop_app');
}

export async function startBroker(): Promise<void> {
  await rabbitmqctl('start_app');
  await untilBrokerAccepts();
}

export async function restartBroker(): Promise<void> {
  await stopBroker();
  await startBroker();
}

/** A name prefix unique to this run, so runs sharing a broker never meet, and clean-up finds ours. */
export function runPrefix(label: string): string {
  return `wbt-${label}-${process.pid}-${Date.now().toString(36)}.`;
}

/** Deletes every exchange and queue whose name starts with `prefix`. */
export async function deleteByPrefix(prefix: string): Promise<void> {
  const names = async (what: string) =>
    (await rabbitmqctl(what, '--quiet', '--no-table-headers', 'name'))
      .split('\n')
      .map((line) => line.trim())
      .filter((name) => name.startsWith(prefix));
  const [queues, exchanges] = [await names('list_queues'), await names('list_exchanges')];
  const connection = await connect(brokerUrl);
  try {
    const channel = await connection.createChannel();
    for (const queue of queues) await channel.deleteQueue(queue);
    for (const exchange of exchanges) await channel.deleteExchange(exchange);
  } finally {
    await connection.close();
  }
}

/** Closes, from the broker's side, every connection whose client named itself `connectionName`. */
export async function dropConnections(connectionName: string): Promise<number> {
  const listing = await rabbitmqctl(
    'list_connections',
    '--quiet',
    '--no-table-headers',
    'pid',
    'client_properties',
  );
  const pids = listing
    .split('\n')
    .filter((line) => line.includes(`{"connection_name","${connectionName}"}`))
    .map((line) => line.slice(0, line.indexOf('\t')));
  for (const pid of pids) await rabbitmqctl('close_connection', pid, 'whizbang test: dropped on purpose');
  return pids.length;
}

/** Polls `condition` every 20 ms; throws `what` if it is still false after `timeoutMs`. */
export async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting until ${what}`);
    await pause(20);
  }
}
