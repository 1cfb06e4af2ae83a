/**
 * PlaceOrder: one unit of work over the customer, every product ordered and the new order.
 * Credit, stock and the order are written together or not at all.
 */
import { z } from 'zod';
import { aggregateStream, defineCommand, handle, type, toEventArray } from '@whizbang/core';
import { ReserveCredit } from '../domain/customer-messages.js';
import { customerDecider } from '../domain/customer.js';
import { customerStream, orderStream, productStream, type OrderId } from '../domain/ids.js';
import type { Cents } from '../domain/money.js';
import { CreateOrder, type OrderItem } from '../domain/order-messages.js';
import { orderDecider, orderTotal } from '../domain/order.js';
import { ReserveStock } from '../domain/product-messages.js';
import { listedProduct, productDecider } from '../domain/product.js';
import { customerIdSchema, orderIdSchema, productIdSchema, wholeNumberSchema } from '../domain/schemas.js';
import { ownCustomer } from './ownership.js';
import { ORDERS_PERMISSIONS } from './roles.js';
import { runUnitOfWork, type StreamDecision } from './unit-of-work.js';

/**
 * What a client asks for: which products, how many. Prices come from the products. The client
 * picks the order id, so a retried request cannot place a second order (ORDER_ALREADY_EXISTS).
 */
// #region schema
export const PlaceOrder = defineCommand('PlaceOrder', {
  schema: z.strictObject({
    orderId: orderIdSchema,
    customerId: customerIdSchema,
    items: z
      .array(z.strictObject({ productId: productIdSchema, quantity: wholeNumberSchema }).readonly())
      .max(100)
      .readonly(),
  }),
  /** `version`: the new order stream's, to send back as `If-Match`. */
  result: type<{ orderId: OrderId; totalCents: Cents; version: number }>(),
});
// #endregion

/**
 * A placement reads the customer, each product and the order, then makes one atomic append: a
 * few ms once warm on SQLite or a nearby PostgreSQL, a few tens for the first one after start
 * or on a busy disk. Past 250 ms the customer notices, and it is worth a look (lock waits,
 * conflict retries on a hot product): the app counts a violation and logs where the time went.
 */
export const PLACE_ORDER_BUDGET_MS = 250;

export const placeOrder = handle(
  PlaceOrder,
  (command, ctx) => {
    const { orderId, customerId, items } = command.data;
    return runUnitOfWork(ctx, async (uow) => {
      // Everything this order writes, held from before it is read: orders racing for the same
      // products queue here rather than conflict. The order's own stream first, as cancelling
      // does (it learns the rest from the order), so the two never wait for each other.
      await uow.store.events.lockStreams([orderStream(orderId)]);
      await uow.store.events.lockStreams([
        customerStream(customerId),
        ...items.map((item) => productStream(item.productId)),
      ]);
      const [order, customer, lines] = await Promise.all([
        aggregateStream(uow, orderStream(orderId), orderDecider),
        aggregateStream(uow, customerStream(customerId), customerDecider),
        Promise.all(
          items.map(async (item) => ({
            ...item,
            product: await aggregateStream(uow, productStream(item.productId), productDecider),
          })),
        ),
      ]);

      // Price every line from its product; an unknown product refuses the order.
      const priced: OrderItem[] = lines.map(({ productId, quantity, product }) => {
        const { name, priceCents } = listedProduct(product.state, productId);
        return { productId, name, quantity, unitPriceCents: priceCents };
      });
      const totalCents = orderTotal(priced);

      // The order's own rules first (not empty, positive quantities), then stock, then credit.
      const placed = toEventArray(
        orderDecider.decide(CreateOrder({ orderId, customerId, items: priced }), order.state),
      );
      const decisions: StreamDecision[] = [
        { stream: orderStream(orderId), loadedVersion: order.version, events: placed },
        ...lines.map(({ productId, quantity, product }) => ({
          stream: productStream(productId),
          loadedVersion: product.version,
          events: toEventArray(
            productDecider.decide(ReserveStock({ productId, orderId, quantity }), product.state),
          ),
        })),
        {
          stream: customerStream(customerId),
          loadedVersion: customer.version,
          events: toEventArray(
            customerDecider.decide(
              ReserveCredit({ customerId, orderId, amountCents: totalCents }),
              customer.state,
            ),
          ),
        },
      ];
      return { decisions, result: { orderId, totalCents, version: order.version + placed.length } };
    });
  },
  {
    // A customer orders for themselves; the back office for anyone.
    permissions: [ORDERS_PERMISSIONS.placeOrders],
    policies: [ownCustomer],
    budget: { maxLatencyMs: PLACE_ORDER_BUDGET_MS },
  },
);
