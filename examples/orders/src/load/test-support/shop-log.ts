/**
 * A tenant's shop as its event log tells it, folded here from the events themselves rather than
 * by the service's deciders, so a soak can hold the service to its own log: every product's
 * stock at every version, every customer's reserved credit at every version, every order's
 * history, and the day's sales. What the history itself breaks (stock below zero, credit over
 * the limit, an order placed twice or shipped after it was cancelled) is listed as it is seen.
 */
import type { RecordedEvent, Store } from '@whizbang/core';
import type { CustomerEvent } from '../../domain/customer-messages.js';
import type { OrderStatus } from '../../domain/order.js';
import type { OrderEvent } from '../../domain/order-messages.js';
import type { ProductEvent } from '../../domain/product-messages.js';

/** What the fold reads of an event. */
export type LoggedEvent = Pick<RecordedEvent, 'type' | 'data' | 'stream' | 'streamVersion' | 'createdAt'>;

type ShopEvent = OrderEvent | ProductEvent | CustomerEvent;

export interface ProductRecord {
  readonly productId: string;
  readonly initialStock: number;
  /** Units added after the product was listed, and in how many restocks. */
  restocked: number;
  restocks: number;
  /** Units available to new orders after the last event. */
  stock: number;
  /** Units each order reserved and released, one entry per event (two: it happened twice). */
  readonly reserved: Map<string, number[]>;
  readonly released: Map<string, number[]>;
}

export interface CustomerRecord {
  readonly customerId: string;
  readonly creditLimitCents: number;
  reservedCents: number;
  /** Cents each order reserved and released, one entry per event. */
  readonly reserved: Map<string, number[]>;
  readonly released: Map<string, number[]>;
}

export interface OrderLineRecord {
  readonly productId: string;
  readonly quantity: number;
  readonly unitPriceCents: number;
}

export interface OrderRecord {
  readonly orderId: string;
  readonly customerId: string;
  readonly items: readonly OrderLineRecord[];
  readonly totalCents: number;
  status: OrderStatus;
  cancelReason: string | undefined;
}

/** One UTC day's counts, as the daily sales read model keeps them. */
export interface DayCounts {
  orders_placed: number;
  placed_cents: number;
  orders_confirmed: number;
  orders_shipped: number;
  orders_cancelled: number;
}

export interface ShopLog {
  readonly products: Map<string, ProductRecord>;
  readonly customers: Map<string, CustomerRecord>;
  readonly orders: Map<string, OrderRecord>;
  /** By `YYYY-MM-DD`, from when each order event was recorded. */
  readonly days: Map<string, DayCounts>;
  /** What the history breaks, in log order. */
  readonly problems: string[];
}

type OrderChange = 'OrderConfirmed' | 'OrderShipped' | 'OrderDelivered' | 'OrderCancelled';

/** Which statuses each order event may follow, and the status it leads to. */
const TRANSITIONS: Readonly<Record<OrderChange, { from: readonly OrderStatus[]; to: OrderStatus }>> = {
  OrderConfirmed: { from: ['pending'], to: 'confirmed' },
  OrderShipped: { from: ['confirmed'], to: 'shipped' },
  OrderDelivered: { from: ['shipped'], to: 'delivered' },
  OrderCancelled: { from: ['pending', 'confirmed'], to: 'cancelled' },
};

const DAY_COLUMNS: Readonly<Record<string, keyof DayCounts>> = {
  OrderPlaced: 'orders_placed',
  OrderConfirmed: 'orders_confirmed',
  OrderShipped: 'orders_shipped',
  OrderCancelled: 'orders_cancelled',
};

const note = (into: Map<string, number[]>, key: string, amount: number) =>
  into.set(key, [...(into.get(key) ?? []), amount]);

/**
 * Reads one tenant's whole log from `store` and folds it.
 * @example
 * const shop = await readShopLog(store, 'load-1');
 */
export async function readShopLog(store: Store, tenantId: string): Promise<ShopLog> {
  const events: RecordedEvent[] = [];
  for await (const event of store.events.readAll({ filter: { tenantId } })) events.push(event);
  return foldShopLog(events);
}

/**
 * Folds one tenant's events, in log order.
 * @example
 * const shop = foldShopLog(events);
 * expect(shop.problems).toEqual([]);
 */
export function foldShopLog(events: Iterable<LoggedEvent>): ShopLog {
  const shop: ShopLog = {
    products: new Map(),
    customers: new Map(),
    orders: new Map(),
    days: new Map(),
    problems: [],
  };
  const at = (event: LoggedEvent) => `${event.stream}@${event.streamVersion}`;
  for (const recorded of events) {
    const event = recorded as LoggedEvent & ShopEvent;
    const column = DAY_COLUMNS[event.type];
    if (column !== undefined) {
      const day = recorded.createdAt.toISOString().slice(0, 10);
      const counts = shop.days.get(day) ?? {
        orders_placed: 0,
        placed_cents: 0,
        orders_confirmed: 0,
        orders_shipped: 0,
        orders_cancelled: 0,
      };
      counts[column] += 1;
      if (event.type === 'OrderPlaced') counts.placed_cents += event.data.totalCents;
      shop.days.set(day, counts);
    }
    switch (event.type) {
      case 'ProductAdded': {
        const { productId, stock } = event.data;
        if (shop.products.has(productId))
          shop.problems.push(`${at(event)}: product ${productId} added twice`);
        shop.products.set(productId, {
          productId,
          initialStock: stock,
          restocked: 0,
          restocks: 0,
          stock,
          reserved: new Map(),
          released: new Map(),
        });
        break;
      }
      case 'StockAdded':
      case 'StockReserved':
      case 'StockReleased': {
        const product = shop.products.get(event.data.productId);
        if (product === undefined) {
          shop.problems.push(`${at(event)}: ${event.type} for product ${event.data.productId}, never added`);
          break;
        }
        const { quantity } = event.data;
        if (event.type === 'StockAdded') {
          product.restocked += quantity;
          product.restocks += 1;
          product.stock += quantity;
        } else if (event.type === 'StockReserved') {
          note(product.reserved, event.data.orderId, quantity);
          product.stock -= quantity;
          if (product.stock < 0)
            shop.problems.push(`${at(event)}: product ${product.productId} stock went to ${product.stock}`);
        } else {
          note(product.released, event.data.orderId, quantity);
          product.stock += quantity;
        }
        break;
      }
      case 'CustomerRegistered': {
        const { customerId, creditLimitCents } = event.data;
        if (shop.customers.has(customerId))
          shop.problems.push(`${at(event)}: customer ${customerId} registered twice`);
        shop.customers.set(customerId, {
          customerId,
          creditLimitCents,
          reservedCents: 0,
          reserved: new Map(),
          released: new Map(),
        });
        break;
      }
      case 'CreditReserved':
      case 'CreditReleased': {
        const customer = shop.customers.get(event.data.customerId);
        if (customer === undefined) {
          shop.problems.push(
            `${at(event)}: ${event.type} for customer ${event.data.customerId}, never registered`,
          );
          break;
        }
        const { orderId, amountCents } = event.data;
        const reserving = event.type === 'CreditReserved';
        note(reserving ? customer.reserved : customer.released, orderId, amountCents);
        customer.reservedCents += reserving ? amountCents : -amountCents;
        if (customer.reservedCents > customer.creditLimitCents || customer.reservedCents < 0)
          shop.problems.push(
            `${at(event)}: customer ${customer.customerId} reserved ${customer.reservedCents} of a ${customer.creditLimitCents} limit`,
          );
        break;
      }
      case 'OrderPlaced': {
        const { orderId, customerId, items, totalCents } = event.data;
        if (shop.orders.has(orderId) || event.streamVersion !== 1)
          shop.problems.push(`${at(event)}: order ${orderId} placed again`);
        shop.orders.set(orderId, {
          orderId,
          customerId,
          items: items.map(({ productId, quantity, unitPriceCents }) => ({
            productId,
            quantity,
            unitPriceCents,
          })),
          totalCents,
          status: 'pending',
          cancelReason: undefined,
        });
        break;
      }
      case 'OrderConfirmed':
      case 'OrderShipped':
      case 'OrderDelivered':
      case 'OrderCancelled': {
        const order = shop.orders.get(event.data.orderId);
        const transition = TRANSITIONS[event.type];
        if (order === undefined) {
          shop.problems.push(`${at(event)}: ${event.type} for order ${event.data.orderId}, never placed`);
          break;
        }
        if (!transition.from.includes(order.status))
          shop.problems.push(
            `${at(event)}: ${event.type} for order ${order.orderId}, which was ${order.status}`,
          );
        order.status = transition.to;
        if (event.type === 'OrderCancelled') order.cancelReason = event.data.reason;
        break;
      }
      default:
        // Payments, journeys and sagas keep records of their own: not the shop's to hold.
        break;
    }
  }
  return shop;
}
