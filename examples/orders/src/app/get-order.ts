/** Reading an order: folds its stream on demand (a projection will serve lists later). */
import { z } from 'zod';
import { aggregateStream, defineQuery, handle, type } from '@whizbang/core';
import { orderStream } from '../domain/ids.js';
import { orderDecider, type Order } from '../domain/order.js';
import { orderIdSchema } from '../domain/schemas.js';
import { ownOrder } from './ownership.js';
import { ORDERS_PERMISSIONS } from './roles.js';

export type OrderView = Order & {
  /** The stream version the view was folded up to: pass it back as an expected version. */
  readonly version: number;
};

export const GetOrder = defineQuery('GetOrder', {
  schema: z.strictObject({ orderId: orderIdSchema }),
  result: type<OrderView | null>(),
});

export const getOrder = handle(
  GetOrder,
  async (query, ctx) => {
    const { state, version } = await aggregateStream(ctx, orderStream(query.data.orderId), orderDecider);
    return state.status === 'unknown' ? null : { ...state, version };
  },
  { permissions: [ORDERS_PERMISSIONS.readOrders], policies: [ownOrder] },
);
