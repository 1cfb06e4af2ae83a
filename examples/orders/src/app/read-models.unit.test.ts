import { isForbiddenError, isValidationError, memoryStore } from '@whizbang/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CustomerId, OrderId, ProductId } from '../domain/ids.js';
import {
  AddProduct,
  AddStock,
  CancelOrder,
  ConfirmOrder,
  createOrdersApp,
  GetDailySales,
  ListProducts,
  PlaceOrder,
  RegisterCustomer,
  ShipOrder,
} from './index.js';

const ada = CustomerId.from('ada');
const mug = ProductId.from('mug');
const kettle = ProductId.from('kettle');
const admin = { principal: { id: 'back-office', roles: ['admin'] } };
const today = new Date().toISOString().slice(0, 10);

let app: ReturnType<typeof createOrdersApp>;

beforeEach(async () => {
  app = createOrdersApp({ store: memoryStore() });
  await app.start();
  await app.send(RegisterCustomer({ customerId: ada, name: 'Ada', creditLimitCents: 1_000_00 }));
  await app.send(AddProduct({ productId: mug, name: 'Mug', priceCents: 12_00, stock: 10 }));
  await app.send(AddProduct({ productId: kettle, name: 'Kettle', priceCents: 60_00, stock: 1 }));
});
afterEach(() => app.stop());

const place = (id: string, productId: ProductId, quantity: number) =>
  app.send(PlaceOrder({ orderId: OrderId.from(id), customerId: ada, items: [{ productId, quantity }] }));

describe('the catalogue (inline)', () => {
  it('shows what new orders can take and what placed orders hold, as soon as each commits', async () => {
    await place('o-1', mug, 3);
    await place('o-2', kettle, 1);
    await app.send(CancelOrder({ orderId: OrderId.from('o-1'), reason: 'changed my mind' }));
    const { version } = await app.send(AddStock({ productId: kettle, quantity: 2 }));
    expect(version).toBeGreaterThan(0);
    const { products } = await app.query(ListProducts({}));
    expect(products).toEqual([
      { productId: kettle, name: 'Kettle', priceCents: 60_00, available: 2, reserved: 1 },
      { productId: mug, name: 'Mug', priceCents: 12_00, available: 10, reserved: 0 },
    ]);
  });

  it('lists only what is in stock on request, a page at a time', async () => {
    await place('o-1', kettle, 1);
    expect((await app.query(ListProducts({ inStock: 'true' }))).products.map((p) => p.productId)).toEqual([
      mug,
    ]);
    const first = await app.query(ListProducts({ limit: '1' }));
    expect(first.products.map((p) => p.name)).toEqual(['Kettle']);
    const second = await app.query(
      ListProducts({ limit: 1, ...(first.next !== undefined && { after: first.next }) }),
    );
    expect(second.products.map((p) => p.name)).toEqual(['Mug']);
    expect(isValidationError(await app.query(ListProducts({ limit: 0 })).catch((e: unknown) => e))).toBe(
      true,
    );
  });
});

describe('daily sales (async, a SQL table)', () => {
  it('counts each day’s orders placed, confirmed, shipped and cancelled, and what was ordered', async () => {
    await place('o-1', mug, 2);
    await place('o-2', mug, 1);
    await place('o-3', kettle, 1);
    await app.send(ConfirmOrder({ orderId: OrderId.from('o-1') }));
    await app.send(ShipOrder({ orderId: OrderId.from('o-1'), trackingNumber: 'TRACK-1' }));
    await app.send(CancelOrder({ orderId: OrderId.from('o-2'), reason: 'duplicate' }));
    await app.waitForProjections();
    const { days } = await app.query(GetDailySales({ from: '2026-01-01', to: today }), admin);
    expect(days).toEqual([
      {
        day: today,
        orders_placed: 3,
        placed_cents: 3 * 12_00 + 60_00,
        orders_confirmed: 1,
        orders_shipped: 1,
        orders_cancelled: 1,
      },
    ]);
  });

  it('is for admins, over a real range of at most a year', async () => {
    const refused = await app
      .query(GetDailySales({ from: today, to: today }), {
        principal: { id: 'ada' },
      })
      .catch((e: unknown) => e);
    expect(isForbiddenError(refused)).toBe(true);
    for (const range of [
      { from: '2026-02-30', to: '2026-03-01' },
      { from: '2026-03-02', to: '2026-03-01' },
      { from: '2024-01-01', to: '2026-01-01' },
      { from: 'yesterday', to: today },
    ])
      expect(isValidationError(await app.query(GetDailySales(range), admin).catch((e: unknown) => e))).toBe(
        true,
      );
    expect((await app.query(GetDailySales({ from: '2025-01-01', to: '2025-12-31' }), admin)).days).toEqual(
      [],
    );
  });
});
