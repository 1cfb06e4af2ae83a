/**
 * One customer's orders: the order list filtered by customer, for a customer that exists. An
 * unknown customer (another tenant's among them) is `null`, not an empty list, so a caller can
 * tell "no orders yet" from "no such customer".
 */
import { z } from 'zod';
import { defineQuery, handle, type } from '@whizbang/core';
import { customerStream } from '../domain/ids.js';
import { customerIdSchema } from '../domain/schemas.js';
import { ListOrders, orderListFields, type OrderSummary } from './order-summaries.js';

export const ListCustomerOrders = defineQuery('ListCustomerOrders', {
  schema: z.strictObject({ customerId: customerIdSchema, ...orderListFields }),
  result: type<{ orders: OrderSummary[]; next?: string } | null>(),
});

export const listCustomerOrders = handle(ListCustomerOrders, async (query, ctx) => {
  const { exists } = await ctx.store.events.getStreamInfo(customerStream(query.data.customerId));
  return exists ? ctx.query(ListOrders(query.data)) : null;
});
