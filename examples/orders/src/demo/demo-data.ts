/**
 * Demo data: one customer and three products with fixed ids, so seeding twice adds nothing.
 */
import type { MessageOf, WhizbangApp } from '@whizbang/core';
import { GetCustomer, RegisterCustomer } from '../app/customers.js';
import { AddProduct, GetProduct } from '../app/products.js';
import { adminPrincipal } from '../app/roles.js';
import { CustomerId, ProductId } from '../domain/ids.js';

export const demoCustomer = {
  customerId: CustomerId.from('ada'),
  name: 'Ada Lovelace',
  creditLimitCents: 500_00,
} as const;

export const demoProducts = {
  beans: {
    productId: ProductId.from('espresso-beans'),
    name: 'Espresso beans 1kg',
    priceCents: 24_50,
    stock: 40,
  },
  mug: { productId: ProductId.from('ceramic-mug'), name: 'Ceramic mug', priceCents: 12_00, stock: 25 },
  kettle: {
    productId: ProductId.from('pour-over-kettle'),
    name: 'Pour-over kettle',
    priceCents: 59_90,
    stock: 2,
  },
} as const;

/**
 * The demo's payment service declines charges over 150.00 (PAYMENTS_DECLINE_ABOVE_CENTS), so
 * the journey shows a decline.
 */
export const demoPayments = { declineAboveCents: 150_00 } as const;

export interface SeedReport {
  readonly created: number;
  readonly existing: number;
}

/** Customers and products to register, with fixed ids. */
export interface DemoCatalog {
  readonly customers: readonly MessageOf<typeof RegisterCustomer>['data'][];
  readonly products: readonly MessageOf<typeof AddProduct>['data'][];
}

/** Registers the demo customer and products unless they already exist. */
export function seedDemoData(app: WhizbangApp): Promise<SeedReport> {
  return seedCatalog(app, { customers: [demoCustomer], products: Object.values(demoProducts) });
}

/** Who seeds: the back office, as registering customers and products is theirs to do. */
export const DEMO_SEEDER = adminPrincipal('demo-seed');

/**
 * Registers each customer and product of `catalog` that does not exist yet, in `tenantId` when
 * given. Stock and credit of those already there stay as orders left them.
 */
export async function seedCatalog(
  app: WhizbangApp,
  catalog: DemoCatalog,
  tenantId?: string,
): Promise<SeedReport> {
  const options = { principal: DEMO_SEEDER, ...(tenantId !== undefined && { tenantId }) };
  let created = 0;
  let existing = 0;
  for (const customer of catalog.customers) {
    if ((await app.query(GetCustomer({ customerId: customer.customerId }), options)) === null) {
      await app.send(RegisterCustomer(customer), options);
      created += 1;
    } else existing += 1;
  }
  for (const product of catalog.products) {
    if ((await app.query(GetProduct({ productId: product.productId }), options)) === null) {
      await app.send(AddProduct(product), options);
      created += 1;
    } else existing += 1;
  }
  return { created, existing };
}
