/** The orders service on a real port, on one backend's store, with a tenant's data in it. */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Store, WhizbangApp } from '@whizbang/core';
import { CORRELATION_ID_HEADER } from '@whizbang/http';
import { startOrdersHttp, type OrdersHttpOptions } from '../server.js';
import type { Backend } from './backends.js';
import { adminToken, call, customerToken, JWT } from './client.js';
import type { TenantIds } from './route-cases.js';

export interface RunningService {
  readonly url: string;
  readonly app: WhizbangApp;
  readonly store: Store;
  /** The newest committed position of the global log: unchanged when nothing was written. */
  head(): Promise<bigint>;
  close(): Promise<void>;
}

/** What a suite may change of the service: say `fulfillment: {}`, as `npm start` runs it. */
export type ServiceOptions = Pick<OrdersHttpOptions, 'fulfillment' | 'logger'>;

export async function startService(backend: Backend, options: ServiceOptions = {}): Promise<RunningService> {
  const opened = await backend.open();
  const { store } = opened;
  // #region start
  const http = await startOrdersHttp({
    store, // sqliteStore({ path }) or postgresStore({ connectionString, schema })
    port: 0, // any free port: http.port, http.url
    hostname: '127.0.0.1',
    jwt: { secret: JWT.secret, issuer: JWT.issuer, audience: JWT.audience },
    observability: { journeys: true }, // for GET /journeys/:correlationId
    ...options, // a suite's own: the fulfillment saga, a logger
  });
  // #endregion
  return {
    url: http.url,
    app: http.app,
    store,
    // Committed, not gap-safe: a transaction still open elsewhere must not hide a write.
    head: async () => (await store.events.readHeadPosition({ committed: true })).position,
    close: async () => {
      try {
        await http.close();
      } finally {
        await opened.close();
      }
    },
  };
}

/** Ids no one has used yet, in the service's format. */
export const freshIds = (): TenantIds => ({
  customerId: `c-${randomUUID()}`,
  productId: `p-${randomUUID()}`,
  orderId: randomUUID(),
});

/** A tenant's data, and the tokens of who made it. */
export interface SeededTenant extends TenantIds {
  /** The tenant's back office, who registered the customer and the product. */
  readonly admin: string;
  /** The customer's own (`sub` is the customer id), who placed the order. */
  readonly customer: string;
}

/**
 * Registers a customer and a product (as the tenant's admin) and places an order (as the
 * customer), over HTTP, in `tenant`; the placement's correlation id is the order id, so its
 * journey can be asked for by it.
 */
export async function seedTenant(
  url: string,
  tenant: string,
  ids: TenantIds = freshIds(),
): Promise<SeededTenant> {
  const [admin, customer] = await Promise.all([adminToken(tenant), customerToken(tenant, ids.customerId)]);
  // Named after the tenant ('Ada of Acme', 'Acme anvil'), so a name in an answer says whose it is.
  const company = `${tenant.charAt(0).toUpperCase()}${tenant.slice(1)}`;
  const created = [
    await call(url, {
      method: 'POST',
      path: '/customers',
      token: admin,
      body: { customerId: ids.customerId, name: `Ada of ${company}`, creditLimitCents: 1_000_00 },
    }),
    await call(url, {
      method: 'POST',
      path: '/products',
      token: admin,
      body: { productId: ids.productId, name: `${company} anvil`, priceCents: 25_00, stock: 10 },
    }),
    await call(url, {
      method: 'POST',
      path: '/orders',
      token: customer,
      headers: { [CORRELATION_ID_HEADER]: ids.orderId },
      body: {
        orderId: ids.orderId,
        customerId: ids.customerId,
        items: [{ productId: ids.productId, quantity: 2 }],
      },
    }),
  ];
  expect(await Promise.all(created.map(async (r) => `${r.status} ${await r.text()}`))).toEqual([
    expect.stringMatching(/^201 /),
    expect.stringMatching(/^201 /),
    expect.stringMatching(/^201 /),
  ]);
  return { ...ids, admin, customer };
}
