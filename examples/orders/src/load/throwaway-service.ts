/**
 * The orders service as its own process (as `npm start` runs it, payment confirming the orders)
 * on a store nobody else uses, for a run that drives it and leaves nothing behind: SQLite in a
 * temporary directory, or PostgreSQL in a schema the caller names. Without demo data, with the
 * caller's token secret, so the caller signs the tokens it sends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OrdersJwtOptions } from '../http/routes.js';
import type { StoreSettings } from '../http/service-config.js';
import { startServiceProcess, type ServiceProcess } from './service-process.js';

/** Where the service keeps its data: a new SQLite file, or a PostgreSQL schema of its own. */
export type ThrowawayStore =
  { readonly kind: 'sqlite' } | { readonly kind: 'postgres'; readonly url: string; readonly schema: string };

export interface ThrowawayServiceOptions {
  readonly store: ThrowawayStore;
  /** The service accepts tokens signed with these (a string secret of 32 bytes or more). */
  readonly jwt: OrdersJwtOptions & { readonly secret: string };
  /** More of its environment: `LOG_LEVEL`, `PAYMENTS_DECLINE_ABOVE_CENTS`… */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * The service's built entry (default the `http/main.js` beside this module's build; a test,
   * which runs this module from its source, names the one in `dist`).
   */
  readonly entry?: string | URL;
}

export interface ThrowawayService extends ServiceProcess {
  /** Where it keeps its events and read models, to read them beside it. */
  readonly store: StoreSettings;
  /**
   * Stops it (SIGTERM: it finishes the requests in flight) and removes its data directory. A
   * PostgreSQL schema stays: dropping it takes a client of the caller's.
   */
  close(): Promise<void>;
}

/**
 * @example
 * const service = await startThrowawayService({ store: { kind: 'sqlite' }, jwt });
 * const report = await runLoad({ url: service.url, jwt, seconds: 10, connections: 8 });
 * await service.close();
 */
export async function startThrowawayService(options: ThrowawayServiceOptions): Promise<ThrowawayService> {
  const { jwt } = options;
  const dataDir = mkdtempSync(join(tmpdir(), 'orders-load-'));
  const store: StoreSettings =
    options.store.kind === 'sqlite'
      ? { kind: 'sqlite', path: join(dataDir, 'orders.db') }
      : { kind: 'postgres', url: options.store.url, schema: options.store.schema };
  const storeEnv: Record<string, string> =
    store.kind === 'sqlite'
      ? { ORDERS_STORE: 'sqlite', ORDERS_DB: store.path, PAYMENTS_DB: join(dataDir, 'payments.db') }
      : {
          ORDERS_STORE: 'postgres',
          ORDERS_DATABASE_URL: store.url,
          ORDERS_DATABASE_SCHEMA: store.schema,
          // Unused in one process (the payment service keeps its events in the orders store),
          // but it must differ from the orders schema.
          PAYMENTS_DATABASE_SCHEMA: `${store.schema}_payments`,
        };
  let service: ServiceProcess;
  try {
    service = await startServiceProcess({
      entry: options.entry ?? new URL('../http/main.js', import.meta.url),
      env: {
        PORT: '0',
        ORDERS_ROLE: 'all',
        ORDERS_TRANSPORT: 'none',
        ORDERS_DATA_DIR: dataDir,
        ORDERS_DEMO: '0',
        ORDERS_JWT_SECRET: jwt.secret,
        ORDERS_JWT_ISSUER: jwt.issuer,
        ORDERS_JWT_AUDIENCE: jwt.audience,
        ...storeEnv,
        ...options.env,
      },
    });
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    ...service,
    store,
    close: async () => {
      try {
        await service.stop();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}
