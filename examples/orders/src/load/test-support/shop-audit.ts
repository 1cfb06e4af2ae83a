/**
 * The soak's checks on one tenant's shop, each a list of what is wrong (empty: nothing), so a
 * failure says which order, product or customer and by how much:
 *
 * - `auditLog`: the log agrees with itself. Each order reserved its lines' units and its total
 *   once, and released them once if and only if it was cancelled; nothing else reserved
 *   anything; units are conserved (stock + units of orders not cancelled = initial + restocked);
 *   reserved credit is within the limit and equals the customer's open orders.
 * - `auditAnswers`: the log agrees with what the load was told. Every order answered 201 is in
 *   it, as sent; none other is; every shipment and cancellation answered 200 happened, once; a
 *   restock answered 200 added its units once; and every answer was one the mix may get.
 * - `auditViews`: what the service shows agrees with the log: the catalogue, each product,
 *   customer, order and customer's order list, the sales per product and per day.
 */
import type { DailySales } from '../../app/daily-sales.js';
import { isExpectedRefusal } from '../outcomes.js';
import { CANCEL_REASON, type WriteAnswer } from '../shopper.js';
import type { RestockAnswer } from './restocker.js';
import type { DayCounts, OrderRecord, ShopLog } from './shop-log.js';
import type { ShopViews } from './shop-views.js';

type Row = readonly (string | number)[];

/** Rows keyed by their first cell (an id, unique in its list), in one order whatever they came in. */
const byKey = (rows: Row[]) => rows.toSorted((a, b) => String(a[0]).localeCompare(String(b[0])));

const same = (a: readonly number[] | undefined, b: readonly number[] | undefined) =>
  JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
const open = (order: OrderRecord) => order.status !== 'cancelled';

/** Units of each product held by orders not cancelled. */
function openUnits(shop: ShopLog): Map<string, number> {
  const units = new Map<string, number>();
  for (const order of [...shop.orders.values()].filter(open))
    for (const { productId, quantity } of order.items)
      units.set(productId, (units.get(productId) ?? 0) + quantity);
  return units;
}

/** Cents each customer's orders not cancelled hold. */
function openCents(shop: ShopLog): Map<string, number> {
  const cents = new Map<string, number>();
  for (const order of [...shop.orders.values()].filter(open))
    cents.set(order.customerId, (cents.get(order.customerId) ?? 0) + order.totalCents);
  return cents;
}

/** @example expect(auditLog(shop)).toEqual([]); */
export function auditLog(shop: ShopLog): string[] {
  const problems = [...shop.problems];
  for (const order of shop.orders.values()) {
    const cancelled = order.status === 'cancelled';
    const priced = order.items.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
    if (priced !== order.totalCents)
      problems.push(`order ${order.orderId}: total ${order.totalCents}, its lines add up to ${priced}`);
    for (const { productId, quantity } of order.items) {
      const product = shop.products.get(productId);
      if (product === undefined) {
        problems.push(`order ${order.orderId}: product ${productId} was never added`);
        continue;
      }
      const [reserved, released] = [product.reserved.get(order.orderId), product.released.get(order.orderId)];
      if (!same(reserved, [quantity]))
        problems.push(
          `order ${order.orderId}: product ${productId} reserved ${JSON.stringify(reserved ?? [])}, not [${quantity}]`,
        );
      if (!same(released, cancelled ? [quantity] : []))
        problems.push(
          `order ${order.orderId} (${order.status}): product ${productId} released ${JSON.stringify(released ?? [])}`,
        );
    }
    const customer = shop.customers.get(order.customerId);
    if (customer === undefined) {
      problems.push(`order ${order.orderId}: customer ${order.customerId} was never registered`);
      continue;
    }
    const [reserved, released] = [customer.reserved.get(order.orderId), customer.released.get(order.orderId)];
    if (!same(reserved, [order.totalCents]))
      problems.push(
        `order ${order.orderId}: credit reserved ${JSON.stringify(reserved ?? [])}, not [${order.totalCents}]`,
      );
    if (!same(released, cancelled ? [order.totalCents] : []))
      problems.push(
        `order ${order.orderId} (${order.status}): credit released ${JSON.stringify(released ?? [])}`,
      );
  }
  // A refused order writes nothing: whatever was reserved, it was for a line of an order that exists.
  for (const product of shop.products.values())
    for (const orderId of new Set([...product.reserved.keys(), ...product.released.keys()])) {
      const order = shop.orders.get(orderId);
      if (order === undefined)
        problems.push(
          `product ${product.productId}: units reserved or released for order ${orderId}, never placed`,
        );
      else if (!order.items.some((item) => item.productId === product.productId))
        problems.push(
          `product ${product.productId}: units reserved or released for order ${orderId}, not ordered`,
        );
    }
  for (const customer of shop.customers.values())
    for (const orderId of new Set([...customer.reserved.keys(), ...customer.released.keys()]))
      if (!shop.orders.has(orderId))
        problems.push(
          `customer ${customer.customerId}: credit reserved or released for order ${orderId}, never placed`,
        );

  const units = openUnits(shop);
  for (const product of shop.products.values()) {
    const held = units.get(product.productId) ?? 0;
    if (product.stock < 0) problems.push(`product ${product.productId}: stock ${product.stock}`);
    if (product.stock + held !== product.initialStock + product.restocked)
      problems.push(
        `product ${product.productId}: stock ${product.stock} + ${held} held by open orders ≠ ${product.initialStock} + ${product.restocked} restocked`,
      );
  }
  const cents = openCents(shop);
  for (const customer of shop.customers.values()) {
    const held = cents.get(customer.customerId) ?? 0;
    if (customer.reservedCents !== held)
      problems.push(
        `customer ${customer.customerId}: ${customer.reservedCents} reserved, open orders hold ${held}`,
      );
    if (customer.reservedCents > customer.creditLimitCents)
      problems.push(
        `customer ${customer.customerId}: ${customer.reservedCents} reserved over a ${customer.creditLimitCents} limit`,
      );
  }
  return problems;
}

const lines = (items: readonly { productId: string; quantity: number }[]) =>
  JSON.stringify(byKey(items.map(({ productId, quantity }) => [productId, quantity])));

/** Order ids that occur more than once. */
const repeated = (ids: readonly string[]) => [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];

/** @example expect(auditAnswers(shop, writes, restocks)).toEqual([]); */
export function auditAnswers(
  shop: ShopLog,
  writes: readonly WriteAnswer[],
  restocks: readonly RestockAnswer[],
): string[] {
  const problems: string[] = [];
  for (const answer of writes) {
    const done = answer.status === (answer.operation === 'place' ? 201 : 200);
    if (!done && !isExpectedRefusal(answer.operation, answer.status, answer.code))
      problems.push(
        `${answer.operation} ${answer.orderId}: answered ${answer.status} ${answer.code ?? ''}`.trim(),
      );
  }
  for (const { productId, status } of restocks)
    if (status !== 200) problems.push(`restock of ${productId}: answered ${status}`);

  const placed = new Map<string, Extract<WriteAnswer, { operation: 'place' }>>();
  for (const answer of writes)
    if (answer.operation === 'place' && answer.status === 201) placed.set(answer.orderId, answer);
  for (const [orderId, answer] of placed) {
    const order = shop.orders.get(orderId);
    if (order === undefined) problems.push(`order ${orderId}: answered 201, not in the log`);
    else if (order.customerId !== answer.customerId || lines(order.items) !== lines(answer.items))
      problems.push(
        `order ${orderId}: logged as ${order.customerId} ${lines(order.items)}, sent as ${answer.customerId} ${lines(answer.items)}`,
      );
  }
  for (const orderId of shop.orders.keys())
    if (!placed.has(orderId)) problems.push(`order ${orderId}: in the log, never answered 201`);

  for (const [operation, status, wanted] of [
    ['ship', 'shipped', (order: OrderRecord) => order.status === 'shipped' || order.status === 'delivered'],
    [
      'cancel',
      'cancelled',
      (order: OrderRecord) => order.status === 'cancelled' && order.cancelReason === CANCEL_REASON,
    ],
  ] as const) {
    const done = writes.filter((a) => a.operation === operation && a.status === 200).map((a) => a.orderId);
    for (const orderId of repeated(done)) problems.push(`order ${orderId}: ${operation} answered 200 twice`);
    for (const orderId of new Set(done)) {
      const order = shop.orders.get(orderId);
      if (order === undefined || !wanted(order))
        problems.push(`order ${orderId}: ${operation} answered 200, the log does not have it ${status}`);
    }
    const logged = [...shop.orders.values()].filter(wanted).length;
    if (logged !== new Set(done).size)
      problems.push(
        `${logged} orders ${status} by the back office in the log, ${new Set(done).size} answered 200`,
      );
  }

  const added = new Map<string, { units: number; times: number }>();
  for (const { productId, quantity, status } of restocks)
    if (status === 200) {
      const sum = added.get(productId) ?? { units: 0, times: 0 };
      added.set(productId, { units: sum.units + quantity, times: sum.times + 1 });
    }
  for (const product of shop.products.values()) {
    const { units, times } = added.get(product.productId) ?? { units: 0, times: 0 };
    if (product.restocked !== units || product.restocks !== times)
      problems.push(
        `product ${product.productId}: ${product.restocks} restocks of ${product.restocked} units in the log, ${times} of ${units} answered 200`,
      );
  }
  return problems;
}

const EMPTY_DAY: DayCounts = {
  orders_placed: 0,
  placed_cents: 0,
  orders_confirmed: 0,
  orders_shipped: 0,
  orders_cancelled: 0,
};

/** A row of the daily sales table as counts (a column never written reads null). */
const dayCounts = (row: DailySales): DayCounts => ({
  orders_placed: row.orders_placed ?? 0,
  placed_cents: row.placed_cents ?? 0,
  orders_confirmed: row.orders_confirmed ?? 0,
  orders_shipped: row.orders_shipped ?? 0,
  orders_cancelled: row.orders_cancelled ?? 0,
});

/** @example expect(auditViews(shop, await readShopViews(url, adminToken, ids))).toEqual([]); */
export function auditViews(shop: ShopLog, views: ShopViews): string[] {
  const problems: string[] = [];
  const mismatch = (what: string, shown: unknown, logged: unknown) => {
    if (JSON.stringify(shown) !== JSON.stringify(logged))
      problems.push(`${what}: shows ${JSON.stringify(shown)}, the log says ${JSON.stringify(logged)}`);
  };
  /** Lists compared row by row: only the rows that differ are told. */
  const mismatchRows = (what: string, shown: Row[], logged: Row[]) => {
    const text = (rows: Row[]) => new Set(rows.map((row) => JSON.stringify(row)));
    const [seen, kept] = [text(shown), text(logged)];
    const extra = [...seen].filter((row) => !kept.has(row));
    const missing = [...kept].filter((row) => !seen.has(row));
    if (extra.length + missing.length + shown.length - seen.size > 0)
      problems.push(
        `${what}: shows ${extra.join(' ') || 'nothing'} the log does not, lacks ${missing.join(' ') || 'nothing'} the log has` +
          (shown.length > seen.size ? `, shows ${shown.length - seen.size} rows twice` : ''),
      );
  };

  const units = openUnits(shop);
  mismatchRows(
    'catalogue (product, available, ordered)',
    views.catalog.map((l) => [l.productId, l.available, l.ordered]),
    [...shop.products.values()].map((p) => [p.productId, p.stock, units.get(p.productId) ?? 0]),
  );
  for (const view of views.products)
    mismatch(`product ${view.productId} stock`, view.stock, shop.products.get(view.productId)?.stock);

  const cents = openCents(shop);
  for (const view of views.customers) {
    const customer = shop.customers.get(view.customerId);
    mismatch(
      `customer ${view.customerId} credit`,
      [view.creditLimitCents, view.reservedCents, view.availableCents],
      customer && [
        customer.creditLimitCents,
        customer.reservedCents,
        customer.creditLimitCents - customer.reservedCents,
      ],
    );
    mismatch(
      `customer ${view.customerId} reserved credit against open orders`,
      view.reservedCents,
      cents.get(view.customerId) ?? 0,
    );
  }
  for (const [customerId, summaries] of views.customerOrders)
    mismatchRows(
      `customer ${customerId}'s order list (order, status, total, units)`,
      summaries.map((s) => [s.orderId, s.status, s.totalCents, s.itemCount]),
      [...shop.orders.values()]
        .filter((o) => o.customerId === customerId)
        .map((o) => [o.orderId, o.status, o.totalCents, o.items.reduce((n, item) => n + item.quantity, 0)]),
    );
  for (const view of views.orders) {
    const order = shop.orders.get(view.orderId);
    mismatch(
      `order ${view.orderId}`,
      [view.status, view.totalCents],
      order && [order.status, order.totalCents],
    );
  }

  const sales = new Map<string, { orders: number; unitsOrdered: number; orderedCents: number }>();
  for (const order of shop.orders.values())
    for (const { productId, quantity, unitPriceCents } of order.items) {
      const sum = sales.get(productId) ?? { orders: 0, unitsOrdered: 0, orderedCents: 0 };
      sales.set(productId, {
        orders: sum.orders + 1,
        unitsOrdered: sum.unitsOrdered + quantity,
        orderedCents: sum.orderedCents + quantity * unitPriceCents,
      });
    }
  for (const [productId, view] of views.productSales)
    mismatch(
      `sales of product ${productId}`,
      view && { orders: view.orders, unitsOrdered: view.unitsOrdered, orderedCents: view.orderedCents },
      sales.get(productId) ?? null,
    );

  const shown = new Map(views.days.map((row) => [row.day, dayCounts(row)]));
  for (const day of new Set([...shown.keys(), ...shop.days.keys()]))
    mismatch(`sales on ${day}`, shown.get(day) ?? EMPTY_DAY, shop.days.get(day) ?? EMPTY_DAY);
  return problems;
}
