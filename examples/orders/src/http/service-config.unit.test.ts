import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeStore, describeTransport, displayUrl, serviceConfig } from './service-config.js';

const SECRET = 'a-secret-shared-with-the-identity-provider';
const PG = 'postgres://orders:s3cret@db.internal:5432/shop';

describe('the service settings', () => {
  it('suit npm start on a laptop when nothing is set: one process on SQLite, port 3000, ./data, a demo', () => {
    expect(serviceConfig({})).toEqual({
      role: 'all',
      port: 3000,
      dataDir: resolve('data'),
      store: { kind: 'sqlite', path: resolve('data', 'orders.db') },
      paymentsStore: { kind: 'sqlite', path: resolve('data', 'payments.db') },
      transport: { kind: 'none' },
      jwtSecret: undefined,
      jwtIssuer: 'https://id.orders.example/',
      jwtAudience: 'orders',
      demo: true,
      journeySampleRate: 1,
    });
    // An empty variable is an unset one, as in `ORDERS_JWT_SECRET= npm start`.
    expect(serviceConfig({ PORT: '', ORDERS_JWT_SECRET: '', ORDERS_STORE: '' })).toMatchObject({
      port: 3000,
      demo: true,
      store: { kind: 'sqlite' },
    });
  });

  it('take the environment: a data directory, a database path, a real secret turns the demo off', () => {
    const config = serviceConfig({
      PORT: '0',
      ORDERS_DATA_DIR: '/srv/orders',
      ORDERS_JWT_SECRET: SECRET,
      ORDERS_JWT_ISSUER: 'https://id.example.com/',
      ORDERS_JWT_AUDIENCE: 'shop',
      ORDERS_JOURNEY_SAMPLE_RATE: '0.1',
    });
    expect(config).toMatchObject({
      port: 0,
      dataDir: '/srv/orders',
      store: { kind: 'sqlite', path: join('/srv/orders', 'orders.db') },
      jwtSecret: SECRET,
      jwtIssuer: 'https://id.example.com/',
      jwtAudience: 'shop',
      demo: false,
      journeySampleRate: 0.1,
    });
    expect(serviceConfig({ ORDERS_DB: 'elsewhere/o.db' }).store).toEqual({
      kind: 'sqlite',
      path: resolve('elsewhere/o.db'),
    });
    expect(serviceConfig({ PAYMENTS_DB: 'p.db' }).paymentsStore).toEqual({
      kind: 'sqlite',
      path: resolve('p.db'),
    });
    expect(serviceConfig({ ORDERS_JWT_SECRET: SECRET, ORDERS_DEMO: '1' }).demo).toBe(true);
    expect(serviceConfig({ ORDERS_DEMO: '0' }).demo).toBe(false);
  });

  it('run it on PostgreSQL, each service in a schema of its own', () => {
    expect(serviceConfig({ ORDERS_STORE: 'postgres', ORDERS_DATABASE_URL: PG })).toMatchObject({
      store: { kind: 'postgres', url: PG, schema: 'orders' },
      paymentsStore: { kind: 'postgres', url: PG, schema: 'payments' },
    });
    expect(
      serviceConfig({
        ORDERS_STORE: 'postgres',
        ORDERS_DATABASE_URL: 'postgresql://127.0.0.1/test',
        ORDERS_DATABASE_SCHEMA: 'shop_orders',
        PAYMENTS_DATABASE_SCHEMA: 'shop_payments',
      }),
    ).toMatchObject({
      store: { schema: 'shop_orders' },
      paymentsStore: { schema: 'shop_payments' },
    });
  });

  it('run it over RabbitMQ or NATS, at their local defaults unless told where', () => {
    expect(serviceConfig({ ORDERS_TRANSPORT: 'rabbitmq' }).transport).toEqual({
      kind: 'rabbitmq',
      url: 'amqp://guest:guest@127.0.0.1:5672',
      prefix: undefined,
    });
    expect(
      serviceConfig({
        ORDERS_TRANSPORT: 'nats',
        ORDERS_BROKER_URL: 'nats://nats.internal:4222',
        ORDERS_BROKER_PREFIX: 'staging',
      }).transport,
    ).toEqual({ kind: 'nats', url: 'nats://nats.internal:4222', prefix: 'staging' });
  });

  it('split it into processes by role: API and daemon nodes on PostgreSQL, every role over a broker', () => {
    const distributed = { ORDERS_STORE: 'postgres', ORDERS_DATABASE_URL: PG, ORDERS_TRANSPORT: 'rabbitmq' };
    for (const role of ['all', 'api', 'daemon', 'payments'])
      expect(serviceConfig({ ...distributed, ORDERS_ROLE: role }).role).toBe(role);
    // The payment service alone may keep its events in a SQLite file of its own.
    expect(serviceConfig({ ORDERS_ROLE: 'payments', ORDERS_TRANSPORT: 'nats' }).paymentsStore).toMatchObject({
      kind: 'sqlite',
    });
    expect(() =>
      serviceConfig({ ORDERS_ROLE: 'api', ORDERS_STORE: 'postgres', ORDERS_DATABASE_URL: PG }),
    ).toThrow(
      'Invalid environment: ORDERS_TRANSPORT: must be rabbitmq or nats with ORDERS_ROLE=api: the processes talk over it',
    );
    expect(() => serviceConfig({ ORDERS_ROLE: 'daemon', ORDERS_TRANSPORT: 'rabbitmq' })).toThrow(
      "Invalid environment: ORDERS_STORE: must be postgres with ORDERS_ROLE=daemon: API and daemon nodes share one database, and SQLite is one process's",
    );
  });

  it('give a node without the API a port for its health and metrics, and only such a node', () => {
    const daemon = {
      ORDERS_STORE: 'postgres',
      ORDERS_DATABASE_URL: PG,
      ORDERS_TRANSPORT: 'rabbitmq',
      ORDERS_ROLE: 'daemon',
    };
    expect(serviceConfig(daemon).managementPort).toBeUndefined();
    expect(serviceConfig({ ...daemon, ORDERS_MANAGEMENT_PORT: '9464' }).managementPort).toBe(9464);
    expect(() => serviceConfig({ ...daemon, ORDERS_MANAGEMENT_PORT: 'http' })).toThrow(
      'ORDERS_MANAGEMENT_PORT: must be a port number, 0-65535',
    );
    expect(() => serviceConfig({ ORDERS_MANAGEMENT_PORT: '9464' })).toThrow(
      'ORDERS_MANAGEMENT_PORT: is for daemon and payments nodes: ORDERS_ROLE=all serves health and metrics on PORT',
    );
  });

  it('refuse bad values all at once, naming each variable', () => {
    expect(() =>
      serviceConfig({
        PORT: 'http',
        ORDERS_JWT_SECRET: 'short',
        ORDERS_DEMO: 'yes',
        ORDERS_JOURNEY_SAMPLE_RATE: '2',
        ORDERS_ROLE: 'web',
        ORDERS_STORE: 'mysql',
        ORDERS_TRANSPORT: 'kafka',
      }),
    ).toThrow(
      "Invalid environment: ORDERS_ROLE: must be all, api, daemon, payments (got 'web'); " +
        'PORT: must be a port number, 0-65535; ' +
        'ORDERS_JWT_SECRET: must be at least 32 bytes (leave it unset for a development secret); ' +
        'ORDERS_DEMO: must be 0 or 1; ' +
        'ORDERS_JOURNEY_SAMPLE_RATE: must be the share of journeys to record, from 0 to 1; ' +
        "ORDERS_STORE: must be sqlite, postgres (got 'mysql'); " +
        "ORDERS_TRANSPORT: must be none, rabbitmq, nats (got 'kafka')",
    );
    expect(() => serviceConfig({ PORT: '70000' })).toThrow(/PORT/);
  });

  it('refuse a database or broker they could not use, saying what would do', () => {
    expect(() => serviceConfig({ ORDERS_STORE: 'postgres' })).toThrow(
      'ORDERS_DATABASE_URL: must be set with ORDERS_STORE=postgres, e.g. postgres://postgres@127.0.0.1:5432/postgres',
    );
    expect(() =>
      serviceConfig({
        ORDERS_STORE: 'postgres',
        ORDERS_DATABASE_URL: 'mysql://db/shop',
        ORDERS_DATABASE_SCHEMA: 'Orders-1',
        PAYMENTS_DATABASE_SCHEMA: '1payments',
      }),
    ).toThrow(
      'Invalid environment: ORDERS_DATABASE_URL: must be a postgres:// URL, e.g. postgres://user:password@127.0.0.1:5432/orders; ' +
        'ORDERS_DATABASE_SCHEMA: must be at most 47 lower-case letters, digits and _, not starting with a digit; ' +
        'PAYMENTS_DATABASE_SCHEMA: must be at most 47 lower-case letters, digits and _, not starting with a digit',
    );
    expect(() =>
      serviceConfig({
        ORDERS_STORE: 'postgres',
        ORDERS_DATABASE_URL: PG,
        PAYMENTS_DATABASE_SCHEMA: 'orders',
      }),
    ).toThrow(
      'PAYMENTS_DATABASE_SCHEMA: must differ from ORDERS_DATABASE_SCHEMA: each service keeps its own events',
    );
    expect(() => serviceConfig({ ORDERS_DB: 'one.db', PAYMENTS_DB: 'one.db' })).toThrow(
      'PAYMENTS_DB: must be another file than ORDERS_DB',
    );
    expect(() =>
      serviceConfig({ ORDERS_TRANSPORT: 'rabbitmq', ORDERS_BROKER_URL: 'nats://127.0.0.1:4222' }),
    ).toThrow('ORDERS_BROKER_URL: must start with amqp:// or amqps:// for rabbitmq');
    expect(() => serviceConfig({ ORDERS_TRANSPORT: 'nats', ORDERS_BROKER_PREFIX: 'my-app.' })).toThrow(
      'ORDERS_BROKER_PREFIX: must be at most 32 letters and digits for nats',
    );
    // RabbitMQ takes dots and dashes in its names.
    expect(
      serviceConfig({ ORDERS_TRANSPORT: 'rabbitmq', ORDERS_BROKER_PREFIX: 'my-app.' }).transport,
    ).toMatchObject({
      prefix: 'my-app.',
    });
  });

  it('describe where things are without printing a password', () => {
    expect(displayUrl(PG)).toBe('postgres://orders:***@db.internal:5432/shop');
    expect(displayUrl('amqp://127.0.0.1:5672?heartbeat=5')).toBe('amqp://127.0.0.1:5672');
    expect(describeStore({ kind: 'postgres', url: PG, schema: 'orders' })).toBe(
      'PostgreSQL postgres://orders:***@db.internal:5432/shop, schema orders',
    );
    expect(describeStore({ kind: 'sqlite', path: '/srv/orders.db' })).toBe(
      '/srv/orders.db (SQLite, kept between runs)',
    );
    expect(
      describeTransport({ kind: 'rabbitmq', url: 'amqp://guest:guest@127.0.0.1:5672', prefix: 'a.' }),
    ).toBe('RabbitMQ amqp://guest:***@127.0.0.1:5672, names prefixed a.');
    expect(describeTransport({ kind: 'nats', url: 'nats://127.0.0.1:4222', prefix: undefined })).toBe(
      'NATS JetStream nats://127.0.0.1:4222',
    );
  });
});
