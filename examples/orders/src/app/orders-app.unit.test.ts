import { memoryStore, type Store, type WhizbangApp } from '@whizbang/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { CustomerId, OrderId, ProductId, customerStream, orderStream, productStream } from '../domain/ids.js';
import {
  AddProduct,
  CancelOrder,
  ConfirmOrder,
  createOrdersApp,
  customerPrincipal,
  DeliverOrder,
  GetCustomer,
  GetOrder,
  GetProduct,
  PlaceOrder,
  RegisterCustomer,
  ShipOrder,
} from './index.js';
import { ada, backOffice, kettle, mug, stockShop } from './test-support/shop.js';

// These tests are about the rules of orders, not who may send what: the back office sends.

let store: Store;
let app: WhizbangApp;

beforeEach(async () => {
  store = memoryStore();
  app = createOrdersApp({ store });
  await stockShop(app);
});

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the command to be refused');
    },
    (error: unknown) => error,
  );

const codeOf = (error: unknown) => (error as { code?: unknown }).code;
const stockOf = async (productId: ProductId) =>
  (await app.query(GetProduct({ productId }), backOffice))?.stock;
const reservedCredit = async () =>
  (await app.query(GetCustomer({ customerId: ada }), backOffice))?.reservedCents;
/** Every stream's version: a refused command must leave all of them as they were. */
const versions = async () =>
  Promise.all(
    [customerStream(ada), productStream(mug), productStream(kettle)].map(
      async (stream) => (await store.events.getStreamInfo(stream)).version,
    ),
  );

describe('orders app: an order from placing to delivery', () => {
  it('places an order, reserving stock and credit together, and walks it to delivered', async () => {
    const orderId = OrderId();
    const placed = await app.send(
      PlaceOrder({
        orderId,
        customerId: ada,
        items: [
          { productId: mug, quantity: 2 },
          { productId: kettle, quantity: 1 },
        ],
      }),
      backOffice,
    );
    expect(placed).toEqual({ orderId, totalCents: 84_00, version: 1 });
    expect(await stockOf(mug)).toBe(8);
    expect(await stockOf(kettle)).toBe(0);
    expect(await reservedCredit()).toBe(84_00);
    expect(await app.query(GetOrder({ orderId }), backOffice)).toMatchObject({
      status: 'pending',
      customerId: ada,
      totalCents: 84_00,
      items: [
        { productId: mug, name: 'Mug', quantity: 2, unitPriceCents: 12_00 },
        { productId: kettle, name: 'Kettle', quantity: 1, unitPriceCents: 60_00 },
      ],
      version: 1,
    });

    // Each step answers the order's new version; one given as expected must be the current one.
    expect(await app.send(ConfirmOrder({ orderId }), backOffice)).toEqual({ version: 2 });
    await expect(
      app.send(ShipOrder({ orderId, trackingNumber: 'T-42', expectedVersion: 1 }), backOffice),
    ).rejects.toMatchObject({ code: 'WHIZBANG_CONCURRENCY', expected: 1, actual: 2 });
    expect(
      await app.send(ShipOrder({ orderId, trackingNumber: 'T-42', expectedVersion: 2 }), backOffice),
    ).toEqual({
      version: 3,
    });
    expect(await app.send(DeliverOrder({ orderId }), backOffice)).toEqual({ version: 4 });
    expect(await app.query(GetOrder({ orderId }), backOffice)).toMatchObject({
      status: 'delivered',
      trackingNumber: 'T-42',
      version: 4,
    });
  });

  it('answers null for what does not exist', async () => {
    expect(await app.query(GetOrder({ orderId: OrderId() }), backOffice)).toBeNull();
    expect(await app.query(GetCustomer({ customerId: CustomerId.from('nobody') }), backOffice)).toBeNull();
    expect(await app.query(GetProduct({ productId: ProductId.from('nothing') }), backOffice)).toBeNull();
  });
});

describe('orders app: a refused order writes nothing', () => {
  const cases = [
    ['an empty order', [], 'ORDER_EMPTY'],
    ['a zero quantity', [{ productId: mug, quantity: 0 }], 'INVALID_QUANTITY'],
    ['an unknown product', [{ productId: ProductId.from('ghost'), quantity: 1 }], 'PRODUCT_NOT_FOUND'],
    [
      'more stock than there is, on the second line',
      [
        { productId: mug, quantity: 1 },
        { productId: kettle, quantity: 2 },
      ],
      'INSUFFICIENT_STOCK',
    ],
    ['more than the credit limit', [{ productId: mug, quantity: 9 }], 'CREDIT_LIMIT_EXCEEDED'],
  ] as const;

  for (const [what, items, code] of cases) {
    it(`refuses ${what} with ${code}`, async () => {
      const before = await versions();
      const orderId = OrderId();
      const error = await rejection(app.send(PlaceOrder({ orderId, customerId: ada, items }), backOffice));
      expect(error).toMatchObject({ code });
      expect(await versions()).toEqual(before);
      expect((await store.events.getStreamInfo(orderStream(orderId))).exists).toBe(false);
    });
  }

  it('refuses an order for an unknown customer', async () => {
    const error = await rejection(
      app.send(
        PlaceOrder({
          orderId: OrderId(),
          customerId: CustomerId.from('ghost'),
          items: [{ productId: mug, quantity: 1 }],
        }),
        backOffice,
      ),
    );
    expect(error).toMatchObject({ code: 'CUSTOMER_NOT_FOUND' });
    expect(await stockOf(mug)).toBe(10);
  });
});

describe('orders app: cancelling', () => {
  async function placeMugs(quantity: number): Promise<OrderId> {
    const orderId = OrderId();
    await app.send(
      PlaceOrder({ orderId, customerId: ada, items: [{ productId: mug, quantity }] }),
      backOffice,
    );
    return orderId;
  }

  it('cancels a confirmed order and gives its stock and credit back in the same append', async () => {
    const orderId = await placeMugs(3);
    await app.send(ConfirmOrder({ orderId }), backOffice);
    const head = await store.events.readHeadPosition();
    await app.send(CancelOrder({ orderId, reason: 'changed my mind' }), backOffice);

    expect(await stockOf(mug)).toBe(10);
    expect(await reservedCredit()).toBe(0);
    expect(await app.query(GetOrder({ orderId }), backOffice)).toMatchObject({
      status: 'cancelled',
      cancelReason: 'changed my mind',
    });
    const written = [];
    for await (const event of store.events.readAll({ after: head })) written.push(event.type);
    expect(written.toSorted()).toEqual(['CreditReleased', 'OrderCancelled', 'StockReleased']);
  });

  it('refuses to cancel a shipped order, and releases nothing', async () => {
    const orderId = await placeMugs(1);
    await app.send(ConfirmOrder({ orderId }), backOffice);
    await app.send(ShipOrder({ orderId, trackingNumber: 'T-1' }), backOffice);
    const before = await versions();
    const error = await rejection(app.send(CancelOrder({ orderId, reason: 'too late' }), backOffice));
    expect(error).toMatchObject({ name: 'OrderRuleViolation', code: 'ORDER_ALREADY_SHIPPED' });
    expect(await versions()).toEqual(before);
  });

  it('refuses to cancel twice, so stock and credit are released once', async () => {
    const orderId = await placeMugs(2);
    await app.send(CancelOrder({ orderId, reason: 'first' }), backOffice);
    const error = await rejection(app.send(CancelOrder({ orderId, reason: 'second' }), backOffice));
    expect(error).toMatchObject({ code: 'ORDER_ALREADY_CANCELLED' });
    expect(await stockOf(mug)).toBe(10);
    expect(await reservedCredit()).toBe(0);
  });

  it('lets exactly one of a racing cancel and ship win, and keeps stock and credit consistent with it', async () => {
    const rich = CustomerId.from('rich');
    const cup = ProductId.from('cup');
    await app.send(
      RegisterCustomer({ customerId: rich, name: 'Rich', creditLimitCents: 1_000_00 }),
      backOffice,
    );
    await app.send(AddProduct({ productId: cup, name: 'Cup', priceCents: 5_00, stock: 100 }), backOffice);
    let shipped = 0;
    for (let round = 0; round < 10; round++) {
      const orderId = OrderId();
      await app.send(
        PlaceOrder({ orderId, customerId: rich, items: [{ productId: cup, quantity: 1 }] }),
        backOffice,
      );
      await app.send(ConfirmOrder({ orderId }), backOffice);
      const results = await Promise.allSettled([
        app.send(CancelOrder({ orderId, reason: 'race' }), backOffice),
        app.send(ShipOrder({ orderId, trackingNumber: `T-${round}` }), backOffice),
      ]);
      const [cancel, ship] = results.map((r) => (r.status === 'fulfilled' ? 'won' : codeOf(r.reason)));
      // Exactly one wins; the loser decides again on the winner's state and gets a domain error.
      expect([
        ['won', 'ORDER_NOT_CONFIRMED'],
        ['ORDER_ALREADY_SHIPPED', 'won'],
      ]).toContainEqual([cancel, ship]);
      if (ship === 'won') shipped += 1;
      expect(await stockOf(cup)).toBe(100 - shipped);
      expect((await app.query(GetCustomer({ customerId: rich }), backOffice))?.reservedCents).toBe(
        shipped * 5_00,
      );
    }
  });
});

describe('orders app: concurrency', () => {
  it('20 concurrent orders for the last 5 units: exactly 5 succeed, the rest get INSUFFICIENT_STOCK', async () => {
    const lamp = ProductId.from('lamp');
    await app.send(AddProduct({ productId: lamp, name: 'Lamp', priceCents: 1_00, stock: 5 }), backOffice);
    const orderIds = Array.from({ length: 20 }, () => OrderId());
    const results = await Promise.allSettled(
      orderIds.map((orderId) =>
        app.send(
          PlaceOrder({ orderId, customerId: ada, items: [{ productId: lamp, quantity: 1 }] }),
          backOffice,
        ),
      ),
    );

    const outcomes = results.map((r) => (r.status === 'fulfilled' ? 'placed' : codeOf(r.reason)));
    expect(outcomes.filter((o) => o === 'placed')).toHaveLength(5);
    expect(outcomes.filter((o) => o !== 'placed')).toEqual(Array(15).fill('INSUFFICIENT_STOCK'));
    const won = orderIds.filter((_, i) => outcomes[i] === 'placed');
    const lost = orderIds.filter((_, i) => outcomes[i] !== 'placed');

    // Stock never went negative: replay the product stream one event at a time.
    let stock = 0;
    for (const event of (await store.events.readStream(productStream(lamp))).events) {
      const { quantity, stock: initial } = event.data as { quantity?: number; stock?: number };
      stock +=
        event.type === 'ProductAdded' ? initial! : event.type === 'StockReserved' ? -quantity! : quantity!;
      expect(stock).toBeGreaterThanOrEqual(0);
    }
    expect(await stockOf(lamp)).toBe(0);

    // Failed orders left nothing behind: no order stream, no credit, no stock reserved for them.
    for (const orderId of lost)
      expect((await store.events.getStreamInfo(orderStream(orderId))).exists).toBe(false);
    const reservedFor = (await store.events.readStream(productStream(lamp))).events
      .filter((e) => e.type === 'StockReserved')
      .map((e) => (e.data as { orderId: string }).orderId);
    expect(reservedFor.toSorted()).toEqual(won.toSorted());
    const creditFor = (await store.events.readStream(customerStream(ada))).events
      .filter((e) => e.type === 'CreditReserved')
      .map((e) => (e.data as { orderId: string }).orderId);
    expect(creditFor.toSorted()).toEqual(won.toSorted());
    expect(await reservedCredit()).toBe(5_00);
  });
});

describe('orders app: context', () => {
  it("stamps every event a handler appends with the command's correlation id, its id as cause, and its tenant", async () => {
    const tenant = { tenantId: 'acme' };
    await stockShop(app, tenant);

    const orderId = OrderId();
    await app.send(
      PlaceOrder({ orderId, customerId: ada, items: [{ productId: mug, quantity: 1 }] }, { id: 'cmd-place' }),
      { ...tenant, correlationId: 'journey-1', principal: customerPrincipal(ada) },
    );
    for (const stream of [orderStream(orderId), productStream(mug), customerStream(ada)]) {
      const last = (await store.events.readStream(stream, { ...tenant, direction: 'backward', maxCount: 1 }))
        .events[0];
      expect(last?.tenantId).toBe('acme');
      expect(last?.metadata).toMatchObject({
        correlationId: 'journey-1',
        causationId: 'cmd-place',
        tenantId: 'acme',
        principal: { id: 'ada', roles: ['customer'] },
      });
    }

    await app.send(ConfirmOrder({ orderId }, { id: 'cmd-confirm' }), {
      ...tenant,
      correlationId: 'journey-2',
      ...backOffice,
    });
    const confirmed = (await store.events.readStream(orderStream(orderId), tenant)).events[1];
    expect(confirmed?.type).toBe('OrderConfirmed');
    expect(confirmed?.metadata).toMatchObject({ correlationId: 'journey-2', causationId: 'cmd-confirm' });

    // The order belongs to its tenant: the default tenant does not see it.
    expect(await app.query(GetOrder({ orderId }), backOffice)).toBeNull();
    expect(await app.query(GetOrder({ orderId }), { ...tenant, ...backOffice })).toMatchObject({
      status: 'confirmed',
    });
  });

  it('starts a journey when the caller names none: the command is its own correlation id', async () => {
    const orderId = OrderId();
    await app.send(
      PlaceOrder({ orderId, customerId: ada, items: [{ productId: mug, quantity: 1 }] }, { id: 'cmd-root' }),
      backOffice,
    );
    const [placed] = (await store.events.readStream(orderStream(orderId))).events;
    expect(placed?.metadata).toMatchObject({ correlationId: 'cmd-root', causationId: 'cmd-root' });
  });
});
