/**
 * What a demo start prints about the demo tenants: a customer's and an admin's token for each,
 * and a fresh order for the curl example. `npm start` and `npm run topology` print the same.
 */
import type { SeedReport } from '../demo/demo-data.js';
import { demoTenants } from '../demo/demo-tenants.js';
import { OrderId } from '../domain/ids.js';
import type { OrdersJwtOptions } from './routes.js';
import type { DemoSection, TenantTokens } from './start-banner.js';
import { adminToken, customerToken } from './tokens.js';

export const DEMO_TOKEN_LIFETIME = '24h';

/**
 * @example
 * const demo = await demoSection(jwt, await seedDemoTenants(app));
 * console.log(startBanner({ url, store, secret, demo }).join('\n'));
 */
export async function demoSection(jwt: OrdersJwtOptions, seeded: SeedReport): Promise<DemoSection> {
  const tokens = async (
    tenantId: string,
    customer: { readonly customerId: string; readonly name: string },
  ): Promise<TenantTokens> => ({
    tenantId,
    customer,
    customerToken: await customerToken(jwt, {
      tenantId,
      customerId: customer.customerId,
      expiresIn: DEMO_TOKEN_LIFETIME,
    }),
    adminToken: await adminToken(jwt, { tenantId, expiresIn: DEMO_TOKEN_LIFETIME }),
  });
  return {
    seeded,
    tokens: await Promise.all(demoTenants.map((tenant) => tokens(tenant.tenantId, tenant.customers[0]!))),
    tokenLifetime: DEMO_TOKEN_LIFETIME,
    order: {
      orderId: OrderId(),
      items: [{ productId: demoTenants[0]!.products[0]!.productId, quantity: 1 }],
    },
  };
}
