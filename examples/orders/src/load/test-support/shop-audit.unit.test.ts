/**
 * The soak's checks, on a shop small enough to follow by hand: they pass on a sound one, and
 * each way of losing or doubling something that a soak looks for makes one of them fail.
 */
import { describe, expect, it } from 'vitest';
import type { DailySales } from '../../app/daily-sales.js';
import { CANCEL_REASON, type WriteAnswer } from '../shopper.js';
import type { RestockAnswer } from './restocker.js';
import { auditAnswers, auditLog, auditViews } from './shop-audit.js';
import { foldShopLog, type LoggedEvent } from './shop-log.js';
import type { ShopViews } from './shop-views.js';

const DAY = '2026-12-02';

/** A log of `[stream, type, data]`, versioned per stream, recorded on DAY. */
function log(entries: readonly (readonly [string, string, Record<string, unknown>])[]): LoggedEvent[] {
  const versions = new Map<string, number>();
  return entries.map(([stream, type, data]) => {
    const streamVersion = (versions.get(stream) ?? 0) + 1;
    versions.set(stream, streamVersion);
    return { stream, type, data, streamVersion, createdAt: new Date(`${DAY}T10:00:00Z`) };
  });
}

const line = (productId: string, quantity: number, unitPriceCents: number) => ({
  productId,
  name: productId,
  quantity,
  unitPriceCents,
});

/**
 * p1 (5 units at 2.00) and p2 (10 at 3.00); c1 may owe 20.00. o1 (2 p1 + 1 p2) shipped, o2 (3 p1)
 * cancelled by the back office, p1 restocked by 4, o3 (1 p2) still pending.
 */
const SOUND = [
  ['product-p1', 'ProductAdded', { productId: 'p1', name: 'p1', priceCents: 2_00, stock: 5 }],
  ['product-p2', 'ProductAdded', { productId: 'p2', name: 'p2', priceCents: 3_00, stock: 10 }],
  ['customer-c1', 'CustomerRegistered', { customerId: 'c1', name: 'c1', creditLimitCents: 20_00 }],
  [
    'order-o1',
    'OrderPlaced',
    { orderId: 'o1', customerId: 'c1', items: [line('p1', 2, 2_00), line('p2', 1, 3_00)], totalCents: 7_00 },
  ],
  ['product-p1', 'StockReserved', { productId: 'p1', orderId: 'o1', quantity: 2 }],
  ['product-p2', 'StockReserved', { productId: 'p2', orderId: 'o1', quantity: 1 }],
  ['customer-c1', 'CreditReserved', { customerId: 'c1', orderId: 'o1', amountCents: 7_00 }],
  [
    'order-o2',
    'OrderPlaced',
    { orderId: 'o2', customerId: 'c1', items: [line('p1', 3, 2_00)], totalCents: 6_00 },
  ],
  ['product-p1', 'StockReserved', { productId: 'p1', orderId: 'o2', quantity: 3 }],
  ['customer-c1', 'CreditReserved', { customerId: 'c1', orderId: 'o2', amountCents: 6_00 }],
  ['order-o1', 'OrderConfirmed', { orderId: 'o1' }],
  ['order-o2', 'OrderConfirmed', { orderId: 'o2' }],
  ['order-o1', 'OrderShipped', { orderId: 'o1', trackingNumber: '1Z' }],
  ['order-o2', 'OrderCancelled', { orderId: 'o2', reason: CANCEL_REASON }],
  ['product-p1', 'StockReleased', { productId: 'p1', orderId: 'o2', quantity: 3 }],
  ['customer-c1', 'CreditReleased', { customerId: 'c1', orderId: 'o2', amountCents: 6_00 }],
  ['product-p1', 'StockAdded', { productId: 'p1', quantity: 4 }],
  [
    'order-o3',
    'OrderPlaced',
    { orderId: 'o3', customerId: 'c1', items: [line('p2', 1, 3_00)], totalCents: 3_00 },
  ],
  ['product-p2', 'StockReserved', { productId: 'p2', orderId: 'o3', quantity: 1 }],
  ['customer-c1', 'CreditReserved', { customerId: 'c1', orderId: 'o3', amountCents: 3_00 }],
] as const;

const place = (orderId: string, items: [string, number][], status = 201, code?: string): WriteAnswer => ({
  operation: 'place',
  orderId,
  customerId: 'c1',
  items: items.map(([productId, quantity]) => ({ productId, quantity })),
  status,
  code,
});
const WRITES: WriteAnswer[] = [
  place('o1', [
    ['p1', 2],
    ['p2', 1],
  ]),
  place('o2', [['p1', 3]]),
  place('o3', [['p2', 1]]),
  place('o4', [['p1', 9]], 409, 'INSUFFICIENT_STOCK'),
  { operation: 'ship', orderId: 'o1', status: 200, code: undefined },
  { operation: 'ship', orderId: 'o1', status: 409, code: 'ORDER_NOT_CONFIRMED' }, // a lost race
  { operation: 'cancel', orderId: 'o2', status: 200, code: undefined },
];
const RESTOCKS: RestockAnswer[] = [{ tenantId: 'load-1', productId: 'p1', quantity: 4, status: 200 }];

const summary = (orderId: string, status: string, totalCents: number, itemCount: number) =>
  ({ orderId, customerId: 'c1', status, totalCents, itemCount, placedAt: `${DAY}T10:00:00.000Z` }) as never;
const SALES_TODAY: DailySales = {
  day: DAY,
  orders_placed: 3,
  placed_cents: 16_00,
  orders_confirmed: 2,
  orders_shipped: 1,
  orders_cancelled: 1,
};
const VIEWS: ShopViews = {
  catalog: [
    { productId: 'p1', name: 'p1', priceCents: 2_00, available: 7, ordered: 2 },
    { productId: 'p2', name: 'p2', priceCents: 3_00, available: 8, ordered: 2 },
  ] as never,
  products: [
    { productId: 'p1', name: 'p1', priceCents: 2_00, stock: 7, version: 5 },
    { productId: 'p2', name: 'p2', priceCents: 3_00, stock: 8, version: 3 },
  ] as never,
  customers: [
    {
      customerId: 'c1',
      name: 'c1',
      creditLimitCents: 20_00,
      reservedCents: 10_00,
      availableCents: 10_00,
      version: 5,
    },
  ] as never,
  customerOrders: new Map([
    [
      'c1',
      [
        summary('o3', 'pending', 3_00, 1),
        summary('o2', 'cancelled', 6_00, 3),
        summary('o1', 'shipped', 7_00, 3),
      ],
    ],
  ]),
  orders: [
    { orderId: 'o1', status: 'shipped', totalCents: 7_00 },
    { orderId: 'o2', status: 'cancelled', totalCents: 6_00 },
    { orderId: 'o3', status: 'pending', totalCents: 3_00 },
  ] as never,
  productSales: new Map([
    ['p1', { productId: 'p1', name: 'p1', orders: 2, unitsOrdered: 5, orderedCents: 10_00 }],
    ['p2', { productId: 'p2', name: 'p2', orders: 2, unitsOrdered: 2, orderedCents: 6_00 }],
  ]) as never,
  days: [SALES_TODAY],
};

type Entry = (typeof SOUND)[number] | readonly [string, string, Record<string, unknown>];
const without = (type: string, stream: string) => SOUND.filter(([s, t]) => !(s === stream && t === type));

function audit(entries: readonly Entry[] = SOUND, writes = WRITES, views = VIEWS): string[] {
  const shop = foldShopLog(log(entries));
  return [...auditLog(shop), ...auditAnswers(shop, writes, RESTOCKS), ...auditViews(shop, views)];
}

describe('the soak checks', () => {
  it('find nothing wrong with a sound shop', () => {
    expect(audit()).toEqual([]);
  });

  it.each<[string, () => string[], RegExp]>([
    [
      'an order reserving its units twice',
      () =>
        audit([...SOUND, ['product-p1', 'StockReserved', { productId: 'p1', orderId: 'o1', quantity: 2 }]]),
      /order o1: product p1 reserved \[2,2\], not \[2\]/,
    ],
    [
      'units reserved for an order that never ordered them',
      () =>
        audit([...SOUND, ['product-p1', 'StockReserved', { productId: 'p1', orderId: 'o3', quantity: 1 }]]),
      /product p1: units reserved or released for order o3, not ordered/,
    ],
    [
      'a refused order that reserved units anyway',
      () =>
        audit([...SOUND, ['product-p1', 'StockReserved', { productId: 'p1', orderId: 'o4', quantity: 9 }]]),
      /product p1: units reserved or released for order o4, never placed/,
    ],
    [
      'stock sold below zero',
      () =>
        audit([...SOUND, ['product-p2', 'StockReserved', { productId: 'p2', orderId: 'o3', quantity: 20 }]]),
      /product-p2@\d+: product p2 stock went to -12/,
    ],
    [
      'a cancellation that kept its credit',
      () => audit(without('CreditReleased', 'customer-c1')),
      /customer c1: 1600 reserved, open orders hold 1000/,
    ],
    [
      'credit reserved over the limit',
      () =>
        audit([
          ...SOUND,
          ['customer-c1', 'CreditReserved', { customerId: 'c1', orderId: 'o3', amountCents: 15_00 }],
        ]),
      /customer-c1@\d+: customer c1 reserved 2500 of a 2000 limit/,
    ],
    [
      'an order placed twice',
      () =>
        audit([
          ...SOUND,
          ['order-o3', 'OrderPlaced', { orderId: 'o3', customerId: 'c1', items: [], totalCents: 0 }],
        ]),
      /order-o3@2: order o3 placed again/,
    ],
    [
      'an order shipped after it was cancelled',
      () => audit([...SOUND, ['order-o2', 'OrderShipped', { orderId: 'o2', trackingNumber: '1Z' }]]),
      /OrderShipped for order o2, which was cancelled/,
    ],
    [
      'an order answered 201 that is not in the log',
      () => audit(SOUND, [...WRITES, place('o5', [['p1', 1]])]),
      /order o5: answered 201, not in the log/,
    ],
    [
      'an order in the log nobody was told of',
      () =>
        audit(
          SOUND,
          WRITES.filter((w) => w.orderId !== 'o3'),
        ),
      /order o3: in the log, never answered 201/,
    ],
    [
      'a shipment answered 200 that never happened',
      () => audit(without('OrderShipped', 'order-o1')),
      /order o1: ship answered 200, the log does not have it shipped/,
    ],
    [
      'an answer the mix never provokes',
      () => audit(SOUND, [...WRITES, place('o6', [['p1', 1]], 500, 'WHIZBANG_INTERNAL')]),
      /place o6: answered 500 WHIZBANG_INTERNAL/,
    ],
    [
      'a restock answered 200 that added nothing',
      () => audit(without('StockAdded', 'product-p1')),
      /product p1: 0 restocks of 0 units in the log, 1 of 4 answered 200/,
    ],
    [
      'a catalogue behind the log',
      () =>
        audit(SOUND, WRITES, {
          ...VIEWS,
          catalog: VIEWS.catalog.map((l) => ({ ...l, available: l.available + 1 })),
        }),
      /catalogue \(product, available, ordered\): shows \["p1",8,2\] \["p2",9,2\] the log does not, lacks \["p1",7,2\] \["p2",8,2\]/,
    ],
    [
      'daily sales behind the log',
      () => audit(SOUND, WRITES, { ...VIEWS, days: [{ ...SALES_TODAY, orders_shipped: 0 }] }),
      /sales on 2026-12-02: shows/,
    ],
    [
      'sales per product counting an order twice',
      () =>
        audit(SOUND, WRITES, {
          ...VIEWS,
          productSales: new Map([
            ...VIEWS.productSales,
            ['p2', { productId: 'p2', name: 'p2', orders: 3, unitsOrdered: 3, orderedCents: 9_00 }],
          ]) as never,
        }),
      /sales of product p2: shows/,
    ],
    [
      "a customer's order list missing an order",
      () => audit(SOUND, WRITES, { ...VIEWS, customerOrders: new Map([['c1', []]]) }),
      /customer c1's order list \(order, status, total, units\): shows nothing the log does not, lacks \["o1","shipped",700,3\]/,
    ],
  ])('catch %s', (_what, run, problem) => {
    expect(run()).toContainEqual(expect.stringMatching(problem));
  });
});
