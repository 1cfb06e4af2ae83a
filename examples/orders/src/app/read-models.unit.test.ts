import { isForbiddenError, isValidationError, memoryStore } from '@whizbang/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OrderId, type ProductId } from '../domain/ids.js';
import {
  AddStock,
  CancelOrder,
  ConfirmOrder,
  createOrdersApp,
  GetDailySales,
  ListProducts,
  PlaceOrder,
  ShipOrder,
} from './index.js';
import { ada, asAda, backOffice, kettle, mug, stockShop } from './test-support/shop.js';

const today = new Date().toISOString().slice(0, 10);

let app: ReturnType<typeof createOrdersApp>;

beforeEach(async () => {
  app = createOrdersApp({ store: memoryStore() });
  await app.start();
  await stockShop(app, { creditLimitCents: 1_000_00 });
});
afterEach(() => app.stop());

const place = (id: string, productId: ProductId, quantity: number) =>
  app.send(
    PlaceOrder({ orderId: OrderId.from(id), customerId: ada, items: [{ productId, quantity }] }),
    asAda,
  );

describe('the catalogue (inline)', () => {
  it('shows what new orders can take and what placed orders hold, as soon as each commits', async () => {
    await place('o-1', mug, 3);
    await place('o-2', kettle, 1);
    await app.send(CancelOrder({ orderId: OrderId.from('o-1'), reason: 'changed my mind' }), backOffice);
    const { version } = await app.send(AddStock({ productId: kettle, quantity: 2 }), backOffice);
    expect(version).toBeGreaterThan(0);
    const { products } = await app.query(ListProducts({}), asAda);
    expect(products).toEqual([
      { productId: kettle, name: 'Kettle', priceCents: 60_00, available: 2, ordered: 1 },
      { productId: mug, name: 'Mug', priceCents: 12_00, available: 10, ordered: 0 },
    ]);
  });

  it('lists only what is in stock on request, a page at a time', async () => {
    await place('o-1', kettle, 1);
    expect(
      (await app.query(ListProducts({ inStock: 'true' }), asAda)).products.map((p) => p.productId),
    ).toEqual([mug]);
    const first = await app.query(ListProducts({ limit: '1' }), asAda);
    expect(first.products.map((p) => p.name)).toEqual(['Kettle']);
    const second = await app.query(
      ListProducts({ limit: 1, ...(first.next !== undefined && { after: first.next }) }),
      asAda,
    );
    expect(second.products.map((p) => p.name)).toEqual(['Mug']);
    expect(
      isValidationError(await app.query(ListProducts({ limit: 0 }), asAda).catch((e: unknown) => e)),
    ).toBe(true);
  });
});

describe('daily sales (async, a SQL table)', () => {
  it('counts each day’s orders placed, confirmed, shipped and cancelled, and what was ordered', async () => {
    await place('o-1', mug, 2);
    await place('o-2', mug, 1);
    await place('o-3', kettle, 1);
    await app.send(ConfirmOrder({ orderId: OrderId.from('o-1') }), backOffice);
    await app.send(ShipOrder({ orderId: OrderId.from('o-1'), trackingNumber: 'TRACK-1' }), backOffice);
    await app.send(CancelOrder({ orderId: OrderId.from('o-2'), reason: 'duplicate' }), backOffice);
    await app.waitForProjections();
    const { days } = await app.query(GetDailySales({ from: '2026-01-01', to: today }), backOffice);
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
      .query(GetDailySales({ from: today, to: today }), asAda)
      .catch((e: unknown) => e);
    expect(isForbiddenError(refused)).toBe(true);
    for (const range of [
      { from: '2026-02-30', to: '2026-03-01' },
      { from: '2026-03-02', to: '2026-03-01' },
      { from: '2024-01-01', to: '2026-01-01' },
      { from: 'yesterday', to: today },
    ])
      expect(
        isValidationError(await app.query(GetDailySales(range), backOffice).catch((e: unknown) => e)),
      ).toBe(true);
    expect(
      (await app.query(GetDailySales({ from: '2025-01-01', to: '2025-12-31' }), backOffice)).days,
    ).toEqual([]);
  });
});
