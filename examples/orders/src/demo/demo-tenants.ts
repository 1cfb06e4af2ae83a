/**
 * The demo tenants `npm start` seeds: two shops with their own customers and products, so a
 * newcomer can see one tenant's token never reach the other's data. Fixed ids: seeding again
 * adds nothing.
 */
import type { WhizbangApp } from '@whizbang/core';
import { CustomerId, ProductId } from '../domain/ids.js';
import { demoCustomer, demoProducts, seedCatalog, type DemoCatalog, type SeedReport } from './demo-data.js';

export interface DemoTenant extends DemoCatalog {
  readonly tenantId: string;
}

export const demoTenants: readonly DemoTenant[] = [
  {
    tenantId: 'acme',
    customers: [
      demoCustomer,
      { customerId: CustomerId.from('grace'), name: 'Grace Hopper', creditLimitCents: 1_000_00 },
    ],
    products: Object.values(demoProducts),
  },
  {
    tenantId: 'globex',
    customers: [{ customerId: CustomerId.from('linus'), name: 'Linus Torvalds', creditLimitCents: 300_00 }],
    products: [
      {
        productId: ProductId.from('mechanical-keyboard'),
        name: 'Mechanical keyboard',
        priceCents: 89_00,
        stock: 15,
      },
      { productId: ProductId.from('usb-c-cable'), name: 'USB-C cable 2m', priceCents: 9_50, stock: 120 },
    ],
  },
];

/** Seeds every demo tenant; what was created and what was already there, over all of them. */
export async function seedDemoTenants(
  app: WhizbangApp,
  tenants: readonly DemoTenant[] = demoTenants,
): Promise<SeedReport> {
  let created = 0;
  let existing = 0;
  for (const tenant of tenants) {
    const report = await seedCatalog(app, tenant, tenant.tenantId);
    created += report.created;
    existing += report.existing;
  }
  return { created, existing };
}
