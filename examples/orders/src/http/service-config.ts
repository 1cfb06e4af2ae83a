/**
 * The service's settings, read from the environment once at start-up. Every variable has a
 * default that suits `npm start` on a laptop (one process on SQLite); the same variables run it
 * on PostgreSQL, over RabbitMQ or NATS, as several processes of different roles. A wrong value
 * stops the start with a message that names the variable.
 */
import { resolve } from 'node:path';
import { ValidationError, type ValidationIssue } from '@whizbang/core';

/** Who issues the tokens the service accepts, unless ORDERS_JWT_ISSUER / _AUDIENCE say otherwise. */
export const DEFAULT_JWT_ISSUER = 'https://id.orders.example/';
export const DEFAULT_JWT_AUDIENCE = 'orders';

/**
 * What a process runs. `all`: everything, in one process. `api`: the HTTP API and the outbox
 * relay. `daemon`: the work no request waits for (projections, reactors, sagas, the consumers
 * of the broker's queues, the outbox relay). `payments`: the payment service.
 */
export const ROLES = ['all', 'api', 'daemon', 'payments'] as const;
export type OrdersRole = (typeof ROLES)[number];

export type StoreSettings =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema: string };

export type TransportSettings =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'rabbitmq' | 'nats';
      readonly url: string;
      /** Put before every name the transport makes on the broker; undefined: the transport's default. */
      readonly prefix: string | undefined;
    };

export interface ServiceConfig {
  readonly role: OrdersRole;
  /** 0 picks a free port. */
  readonly port: number;
  /**
   * Where a node without the API (`daemon`, `payments`) serves its health and metrics
   * (`ORDERS_MANAGEMENT_PORT`; 0 picks a free port); undefined: it serves nothing.
   */
  readonly managementPort: number | undefined;
  /** Holds the SQLite files and, without ORDERS_JWT_SECRET, the development secret. */
  readonly dataDir: string;
  /** The orders service's events and read models. */
  readonly store: StoreSettings;
  /** The payment service's, when it runs as its own process (`role: 'payments'`). */
  readonly paymentsStore: StoreSettings;
  /** `none`: the payment service runs in the orders process, and nothing leaves it. */
  readonly transport: TransportSettings;
  /** ORDERS_JWT_SECRET as given; undefined means "use the development secret". */
  readonly jwtSecret: string | undefined;
  readonly jwtIssuer: string;
  readonly jwtAudience: string;
  /** Seed the demo tenants and print their tokens and a curl example. */
  readonly demo: boolean;
  /** The share of journeys recorded, 0 to 1. */
  readonly journeySampleRate: number;
}

type Env = Readonly<Record<string, string | undefined>>;

const STORES = ['sqlite', 'postgres'] as const;
const TRANSPORTS = ['none', 'rabbitmq', 'nats'] as const;
/** Each broker's local default, as its own documentation gives it. */
const BROKER_URLS = { rabbitmq: 'amqp://guest:guest@127.0.0.1:5672', nats: 'nats://127.0.0.1:4222' } as const;
const BROKER_PROTOCOLS = { rabbitmq: ['amqp:', 'amqps:'], nats: ['nats:', 'tls:'] } as const;
/** What each transport takes as a name prefix (the NATS one ends at the first non-alphanumeric). */
const BROKER_PREFIXES = {
  rabbitmq: [/^[A-Za-z0-9_.:-]{1,40}$/, "at most 40 letters, digits, '.', '_', '-' or ':'"],
  nats: [/^[A-Za-z0-9]{1,32}$/, 'at most 32 letters and digits'],
} as const;
/** PostgreSQL's unquoted identifiers; the store's NOTIFY channel adds 16 characters to 63. */
const SCHEMA = /^[a-z_][a-z0-9_]{0,46}$/;

const oneOf = <T extends string>(values: readonly T[], value: string): value is T =>
  (values as readonly string[]).includes(value);

/**
 * @example
 * const config = serviceConfig(process.env); // throws ValidationError naming the bad variables
 */
export function serviceConfig(env: Env): ServiceConfig {
  const issues: ValidationIssue[] = [];
  const problem = (name: string, message: string) => issues.push({ path: [name], message });
  const set = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const choice = <T extends string>(name: string, values: readonly T[], fallback: T): T => {
    const value = set(name) ?? fallback;
    if (oneOf(values, value)) return value;
    problem(name, `must be ${values.join(', ')} (got '${value}')`);
    return fallback;
  };

  const role = choice('ORDERS_ROLE', ROLES, 'all');
  const port = Number(set('PORT') ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) problem('PORT', 'must be a port number, 0-65535');
  const management = set('ORDERS_MANAGEMENT_PORT');
  const managementPort = management === undefined ? undefined : Number(management);
  if (
    managementPort !== undefined &&
    !(Number.isInteger(managementPort) && managementPort >= 0 && managementPort <= 65_535)
  )
    problem('ORDERS_MANAGEMENT_PORT', 'must be a port number, 0-65535');
  if (managementPort !== undefined && (role === 'all' || role === 'api'))
    problem(
      'ORDERS_MANAGEMENT_PORT',
      `is for daemon and payments nodes: ORDERS_ROLE=${role} serves health and metrics on PORT`,
    );

  const jwtSecret = set('ORDERS_JWT_SECRET');
  if (jwtSecret !== undefined && Buffer.byteLength(jwtSecret) < 32)
    problem('ORDERS_JWT_SECRET', 'must be at least 32 bytes (leave it unset for a development secret)');

  const demoFlag = set('ORDERS_DEMO');
  if (demoFlag !== undefined && demoFlag !== '0' && demoFlag !== '1')
    problem('ORDERS_DEMO', 'must be 0 or 1');

  const journeySampleRate = Number(set('ORDERS_JOURNEY_SAMPLE_RATE') ?? 1);
  if (!(journeySampleRate >= 0 && journeySampleRate <= 1))
    problem('ORDERS_JOURNEY_SAMPLE_RATE', 'must be the share of journeys to record, from 0 to 1');

  const dataDir = resolve(set('ORDERS_DATA_DIR') ?? 'data');
  const storeKind = choice('ORDERS_STORE', STORES, 'sqlite');
  let store: StoreSettings;
  let paymentsStore: StoreSettings;
  if (storeKind === 'sqlite') {
    store = { kind: 'sqlite', path: resolve(set('ORDERS_DB') ?? resolve(dataDir, 'orders.db')) };
    paymentsStore = { kind: 'sqlite', path: resolve(set('PAYMENTS_DB') ?? resolve(dataDir, 'payments.db')) };
    if (store.path === paymentsStore.path)
      problem('PAYMENTS_DB', 'must be another file than ORDERS_DB: each service keeps its own events');
  } else {
    const url = set('ORDERS_DATABASE_URL') ?? '';
    if (!hasProtocol(url, ['postgres:', 'postgresql:']))
      problem(
        'ORDERS_DATABASE_URL',
        url === ''
          ? 'must be set with ORDERS_STORE=postgres, e.g. postgres://postgres@127.0.0.1:5432/postgres'
          : 'must be a postgres:// URL, e.g. postgres://user:password@127.0.0.1:5432/orders',
      );
    const schema = (name: string, fallback: string) => {
      const value = set(name) ?? fallback;
      if (!SCHEMA.test(value))
        problem(name, 'must be at most 47 lower-case letters, digits and _, not starting with a digit');
      return value;
    };
    store = { kind: 'postgres', url, schema: schema('ORDERS_DATABASE_SCHEMA', 'orders') };
    paymentsStore = { kind: 'postgres', url, schema: schema('PAYMENTS_DATABASE_SCHEMA', 'payments') };
    if (store.schema === paymentsStore.schema)
      problem(
        'PAYMENTS_DATABASE_SCHEMA',
        'must differ from ORDERS_DATABASE_SCHEMA: each service keeps its own events',
      );
  }

  const transportKind = choice('ORDERS_TRANSPORT', TRANSPORTS, 'none');
  let transport: TransportSettings = { kind: 'none' };
  if (transportKind !== 'none') {
    const url = set('ORDERS_BROKER_URL') ?? BROKER_URLS[transportKind];
    if (!hasProtocol(url, BROKER_PROTOCOLS[transportKind]))
      problem(
        'ORDERS_BROKER_URL',
        `must start with ${BROKER_PROTOCOLS[transportKind].map((p) => `${p}//`).join(' or ')} for ${transportKind}`,
      );
    const prefix = set('ORDERS_BROKER_PREFIX');
    const [pattern, rule] = BROKER_PREFIXES[transportKind];
    if (prefix !== undefined && !pattern.test(prefix))
      problem('ORDERS_BROKER_PREFIX', `must be ${rule} for ${transportKind}`);
    transport = { kind: transportKind, url, prefix };
  }

  // Roles other than `all` are parts of a service split over processes: they meet in one
  // database and talk over a broker.
  if (role !== 'all' && transportKind === 'none')
    problem(
      'ORDERS_TRANSPORT',
      `must be rabbitmq or nats with ORDERS_ROLE=${role}: the processes talk over it`,
    );
  if ((role === 'api' || role === 'daemon') && storeKind !== 'postgres')
    problem(
      'ORDERS_STORE',
      `must be postgres with ORDERS_ROLE=${role}: API and daemon nodes share one database, and SQLite is one process's`,
    );

  if (issues.length > 0) throw new ValidationError(issues, 'environment');
  return {
    role,
    port,
    managementPort,
    dataDir,
    store,
    paymentsStore,
    transport,
    jwtSecret,
    jwtIssuer: set('ORDERS_JWT_ISSUER') ?? DEFAULT_JWT_ISSUER,
    jwtAudience: set('ORDERS_JWT_AUDIENCE') ?? DEFAULT_JWT_AUDIENCE,
    // A secret shared with a real identity provider means real users: no demo data, and no
    // tokens signed with it in the log, unless asked for.
    demo: demoFlag === undefined ? jwtSecret === undefined : demoFlag === '1',
    journeySampleRate,
  };
}

function hasProtocol(url: string, protocols: readonly string[]): boolean {
  try {
    return protocols.includes(new URL(url).protocol);
  } catch {
    return false;
  }
}

/** A URL fit to print: without its password (and without the query, which may hold one). */
export function displayUrl(url: string): string {
  const shown = new URL(url);
  if (shown.password !== '') shown.password = '***';
  shown.search = '';
  return shown.toString().replace(/\/$/, '');
}

/** Where a store keeps its events, for a person: `PostgreSQL postgres://…/db, schema orders`. */
export function describeStore(store: StoreSettings): string {
  return store.kind === 'sqlite'
    ? `${store.path} (SQLite, kept between runs)`
    : `PostgreSQL ${displayUrl(store.url)}, schema ${store.schema}`;
}

/** The broker, for a person: `RabbitMQ amqp://127.0.0.1:5672`. */
export function describeTransport(transport: TransportSettings): string {
  if (transport.kind === 'none') return 'no broker';
  const name = transport.kind === 'rabbitmq' ? 'RabbitMQ' : 'NATS JetStream';
  return `${name} ${displayUrl(transport.url)}${transport.prefix === undefined ? '' : `, names prefixed ${transport.prefix}`}`;
}
