/**
 * The order list: one summary document per order, written inline, in the same transaction
 * as the order's events, so a client that placed an order finds it in the list at once.
 */
import { z } from 'zod';
import {
  defineCollection,
  defineProjection,
  defineQuery,
  handle,
  readModel,
  type,
  type MessageOf,
  type StoreSession,
} from '@whizbang/core';
import type { CustomerId, OrderId } from '../domain/ids.js';
import type { Cents } from '../domain/money.js';
import type { OrderEvent } from '../domain/order-messages.js';
import type { OrderStatus } from '../domain/order.js';
import { customerIdSchema } from '../domain/schemas.js';
import { pageLimit } from './paging.js';
import { ORDERS_PERMISSIONS } from './roles.js';

export interface OrderSummary {
  readonly orderId: OrderId;
  readonly customerId: CustomerId;
  readonly status: OrderStatus;
  readonly totalCents: Cents;
  readonly itemCount: number;
  /** When the order was placed (ISO 8601, from the event's record time). */
  readonly placedAt: string;
}

/** Lists filter by customer or status and sort newest first: those are the declared fields. */
export const OrderSummaries = defineCollection<OrderSummary>('order-summaries', {
  fields: { customerId: 'string', status: 'string', placedAt: 'string', totalCents: 'number' },
  indexes: [
    ['customerId', 'placedAt'],
    ['status', 'placedAt'],
  ],
});

const withStatus = (status: OrderStatus) => (summary: OrderSummary) =>
  summary.orderId ? { ...summary, status } : undefined;

// #region inline
export const orderSummaries = defineProjection<OrderSummary, OrderEvent>({
  name: 'order-summaries',
  lifecycle: 'inline',
  collection: OrderSummaries,
  identity: (event) => event.data.orderId,
  initialState: () => ({
    orderId: '' as OrderId,
    customerId: '' as CustomerId,
    status: 'pending',
    totalCents: 0,
    itemCount: 0,
    placedAt: '',
  }),
  handlers: {
    OrderPlaced: (_, event) => ({
      orderId: event.data.orderId,
      customerId: event.data.customerId,
      status: 'pending',
      totalCents: event.data.totalCents,
      itemCount: event.data.items.reduce((n, item) => n + item.quantity, 0),
      placedAt: event.createdAt.toISOString(),
    }),
    OrderConfirmed: withStatus('confirmed'),
    OrderShipped: withStatus('shipped'),
    OrderDelivered: withStatus('delivered'),
    OrderCancelled: withStatus('cancelled'),
  },
});
// #endregion

const ORDER_STATUSES = [
  'pending',
  'confirmed',
  'shipped',
  'delivered',
  'cancelled',
] as const satisfies readonly OrderStatus[];

/** How a list of orders is filtered and paged. */
export const orderListFields = {
  status: z.enum(ORDER_STATUSES).optional(),
  /** The `next` cursor of the previous page. */
  after: z.string().max(1_000).optional(),
  limit: pageLimit.optional(),
};

/** A page of the order list, newest first, and the cursor of the next page if there is one. */
export interface OrderPage {
  readonly orders: OrderSummary[];
  readonly next?: string;
}

/** Every order of the tenant, or one customer's: for the back office. */
export const ListOrders = defineQuery('ListOrders', {
  schema: z.strictObject({ customerId: customerIdSchema.optional(), ...orderListFields }),
  result: type<OrderPage>(),
});

// #region query
/** A page of the order list, filtered by customer or status: what ListOrders and ListCustomerOrders read. */
export async function findOrders(
  store: StoreSession,
  filter: MessageOf<typeof ListOrders>['data'],
): Promise<OrderPage> {
  const { customerId, status, after, limit } = filter;
  const page = await readModel(store, orderSummaries).find({
    where: { ...(customerId && { customerId }), ...(status && { status }) },
    orderBy: [{ field: 'placedAt', direction: 'desc' }],
    limit: limit ?? 20,
    ...(after !== undefined && { after }),
  });
  return { orders: page.documents.map((d) => d.data), ...(page.next !== undefined && { next: page.next }) };
}

export const listOrders = handle(ListOrders, (query, ctx) => findOrders(ctx.store, query.data), {
  permissions: [ORDERS_PERMISSIONS.listAllOrders],
});
// #endregion
