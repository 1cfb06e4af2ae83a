/**
 * One customer's orders: the order list filtered by customer, for a customer that exists. An
 * unknown customer (another tenant's among them) is `null`, not an empty list, so a caller can
 * tell "no orders yet" from "no such customer". A customer lists their own orders only.
 */
import { z } from 'zod';
import { defineQuery, handle, type } from '@whizbang/core';
import { customerStream } from '../domain/ids.js';
import { customerIdSchema } from '../domain/schemas.js';
import { findOrders, orderListFields, type OrderPage } from './order-summaries.js';
import { ownCustomer } from './ownership.js';
import { ORDERS_PERMISSIONS } from './roles.js';

export const ListCustomerOrders = defineQuery('ListCustomerOrders', {
  schema: z.strictObject({ customerId: customerIdSchema, ...orderListFields }),
  result: type<OrderPage | null>(),
});

export const listCustomerOrders = handle(
  ListCustomerOrders,
  async (query, ctx) => {
    const { exists } = await ctx.store.events.getStreamInfo(customerStream(query.data.customerId));
    // Read here rather than through ListOrders, which only the back office may send.
    return exists ? findOrders(ctx.store, query.data) : null;
  },
  { permissions: [ORDERS_PERMISSIONS.readOrders], policies: [ownCustomer] },
);
