/**
 * A customer's things are their own: the customer id a message names must be the caller's, and
 * an order must be one the caller placed. Admins act for every customer. A refusal is the
 * framework's ForbiddenError, audited like any denial; the HTTP edge answers a read of another
 * customer's things as 404, as if they were not there (`deniedAsNotFound` in routes.ts).
 */
import { definePolicy, readModel } from '@whizbang/core';
import type { CustomerId, OrderId } from '../domain/ids.js';
import { orderSummaries } from './order-summaries.js';
import { actsForAnyCustomer } from './roles.js';

/**
 * For messages whose schema requires a `customerId`: placing an order, reading a customer or
 * their orders. Decided on the id alone, so a refusal says nothing of whether that customer exists.
 */
export const ownCustomer = definePolicy<{ readonly customerId: CustomerId }>(
  'own customer',
  (ctx) =>
    actsForAnyCustomer(ctx.principal) ||
    ctx.message.data.customerId === ctx.principal.id ||
    'a customer acts for themselves only',
);

/**
 * For messages whose schema requires an `orderId`. The owner comes from the order list, which
 * is written in the same transaction as the order's events: one document read, never stale.
 */
export const ownOrder = definePolicy<{ readonly orderId: OrderId }>('own order', async (ctx) => {
  if (actsForAnyCustomer(ctx.principal)) return true;
  const summary = await readModel(ctx.store, orderSummaries).get(ctx.message.data.orderId);
  // No such order: nothing to guard, and the handler answers that it is not there.
  if (summary === undefined) return true;
  return summary.data.customerId === ctx.principal.id || "another customer's order";
});
