/** Samples for docs/postgres-strict-tenancy.md; strict-tenancy.int.test.ts runs them on PostgreSQL. */
import { isCrossTenantAccessError, ProjectionDaemon, type Projection, type Store } from '@whizbang/core';
import { grantApplicationRole, postgresStore } from '@whizbang/postgres';

export function openStores(APP_URL: string, OWNER_URL: string, orderSummaries: Projection) {
  // #region stores
  // The application's store: a role that is not the tables' owner, not superuser, not BYPASSRLS.
  const app = postgresStore({ connectionString: APP_URL, schema: 'orders', tenancy: 'strict' });

  // The system store: the owner role. Migrations, the projection daemon, outbox relays, sagas.
  const system = postgresStore({ connectionString: OWNER_URL, schema: 'orders' });
  const daemon = new ProjectionDaemon({ store: system, projections: [orderSummaries] });
  // #endregion
  return { app, system, daemon };
}

export async function grant(OWNER_URL: string): Promise<void> {
  // #region grant
  await grantApplicationRole({ connectionString: OWNER_URL, schema: 'orders', role: 'orders_app' });
  // #endregion
}

/** Returns the error a transaction mixing two tenants threw. */
export async function mixTenants(store: Store, cart: { items: string[] }): Promise<unknown> {
  // #region mixing
  try {
    await store.transaction(async (tx) => {
      await tx.documents.put('carts', 'c1', cart, { tenantId: 'acme' });
      await tx.documents.get('carts', 'c1', { tenantId: 'globex' }); // throws, and the put rolls back
    });
  } catch (error) {
    if (!isCrossTenantAccessError(error)) throw error;
    // error.tenantId 'acme', error.requestedTenantId 'globex', error.operation 'documents.get'
    return error;
  }
  // #endregion
  return undefined;
}
