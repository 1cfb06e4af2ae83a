import { memoryStore } from '@whizbang/core';
import { describe, expect, it } from 'vitest';
import { createTenantOrdersApp } from '../app/create-app.js';
import { GetCustomer } from '../app/customers.js';
import { GetProduct } from '../app/products.js';
import { adminPrincipal } from '../app/roles.js';
import { demoTenants, seedDemoTenants } from './demo-tenants.js';

const backOffice = { principal: adminPrincipal('back-office') };

describe('the demo tenants npm start seeds', () => {
  it('are two, each with customers with credit and products in stock', () => {
    expect(demoTenants.map((t) => t.tenantId)).toEqual(['acme', 'globex']);
    for (const tenant of demoTenants) {
      expect(tenant.customers.length).toBeGreaterThan(0);
      expect(tenant.customers.every((c) => c.creditLimitCents > 0)).toBe(true);
      expect(tenant.products.every((p) => p.stock > 0 && p.priceCents > 0)).toBe(true);
    }
  });

  it('are seeded idempotently, each into its own tenant only', async () => {
    const store = memoryStore();
    const app = createTenantOrdersApp({ store });
    const total = demoTenants.reduce((n, t) => n + t.customers.length + t.products.length, 0);
    expect(await seedDemoTenants(app)).toEqual({ created: total, existing: 0 });
    const head = await store.events.readHeadPosition();
    expect(await seedDemoTenants(app)).toEqual({ created: 0, existing: total });
    expect(await store.events.readHeadPosition()).toEqual(head);

    for (const { tenantId, customers, products } of demoTenants) {
      const other = { tenantId: tenantId === 'acme' ? 'globex' : 'acme' };
      for (const { customerId, name, creditLimitCents } of customers) {
        expect(await app.query(GetCustomer({ customerId }), { tenantId, ...backOffice })).toMatchObject({
          name,
          availableCents: creditLimitCents,
        });
        expect(await app.query(GetCustomer({ customerId }), { ...other, ...backOffice })).toBeNull();
      }
      for (const { productId, stock } of products) {
        expect(await app.query(GetProduct({ productId }), { tenantId, ...backOffice })).toMatchObject({
          stock,
        });
        expect(await app.query(GetProduct({ productId }), { ...other, ...backOffice })).toBeNull();
      }
    }
  });
});
