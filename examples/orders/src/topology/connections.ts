/**
 * The store and the broker a process's settings name, opened and ready: the store migrated (so
 * a database that is away, or refuses us, shows at start and not at the first request), the
 * broker connected. Several processes may migrate one PostgreSQL schema at once: migrations
 * take a lock and are idempotent.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Store, Transport } from '@whizbang/core';
import { natsTransport } from '@whizbang/nats';
import { postgresStore } from '@whizbang/postgres';
import { rabbitmqTransport } from '@whizbang/rabbitmq';
import { sqliteStore } from '@whizbang/sqlite';
import {
  describeStore,
  describeTransport,
  type StoreSettings,
  type TransportSettings,
} from '../http/service-config.js';

/** The store or the broker could not be reached: which, where, and why. */
export class ConnectionError extends Error {
  readonly code = 'ORDERS_CONNECTION';
  constructor(what: string, options: { readonly cause: unknown }) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`Cannot reach ${what}: ${reason}`, options);
  }
}

/**
 * @throws ConnectionError when the database cannot be reached or migrated.
 * @example
 * const store = await openStore({ kind: 'postgres', url: process.env.DATABASE_URL, schema: 'orders' });
 */
export async function openStore(settings: StoreSettings): Promise<Store> {
  if (settings.kind === 'sqlite') {
    mkdirSync(dirname(settings.path), { recursive: true });
    return sqliteStore({ path: settings.path });
  }
  const store = postgresStore({ connectionString: settings.url, schema: settings.schema });
  try {
    await store.migrate();
  } catch (cause) {
    await store.close();
    throw new ConnectionError(describeStore(settings), { cause });
  }
  return store;
}

/**
 * The broker's transport, connected, or undefined for `none`. `name` shows in the broker's
 * connection list (RabbitMQ) or client list (NATS).
 * @throws ConnectionError when the broker does not answer.
 * @example
 * const transport = await openTransport({ kind: 'rabbitmq', url: 'amqp://127.0.0.1:5672', prefix: undefined }, 'orders-api');
 */
export async function openTransport(
  settings: TransportSettings,
  name: string,
): Promise<Transport | undefined> {
  if (settings.kind === 'none') return undefined;
  const prefix = settings.prefix === undefined ? {} : { prefix: settings.prefix };
  try {
    return settings.kind === 'rabbitmq'
      ? await rabbitmqTransport({ url: settings.url, connectionName: name, ...prefix })
      : await natsTransport({ servers: settings.url, connectionOptions: { name }, ...prefix });
  } catch (cause) {
    throw new ConnectionError(describeTransport(settings), { cause });
  }
}
