/**
 * CancelOrder (a customer changed their mind), ExpireOrder (nobody confirmed in time) and
 * AbandonOrder (the fulfillment saga gave up on it): one unit of work that cancels the order
 * and gives its stock and credit back, all in one atomic append.
 */
import {
  aggregateStream,
  handle,
  isConcurrencyError,
  toEventArray,
  type HandlerContext,
  type MessageOf,
} from '@whizbang/core';
import { ReleaseCredit } from '../domain/customer-messages.js';
import { customerDecider } from '../domain/customer.js';
import { customerStream, orderStream, productStream } from '../domain/ids.js';
import { AbandonOrder, CancelOrder, ExpireOrder } from '../domain/order-messages.js';
import { existingOrder, orderDecider } from '../domain/order.js';
import { ReleaseStock } from '../domain/product-messages.js';
import { productDecider } from '../domain/product.js';
import { ORDERS_PERMISSIONS } from './roles.js';
import { runUnitOfWork, UNIT_OF_WORK_RETRY, type StreamDecision } from './unit-of-work.js';
import { assertVersion } from './versioned-command.js';

export { AbandonOrder, CancelOrder, ExpireOrder };

export const cancelOrder = handle(
  CancelOrder,
  async (command, ctx) => ({ version: await release(ctx, command, command.data.expectedVersion) }),
  { permissions: [ORDERS_PERMISSIONS.cancelOrders] },
);
/*
 * The sagas' own (the deadline's, the fulfillment's): no route reaches them. They declare no
 * permission, so they run with whatever principal the saga carries (that of the customer who
 * placed the order), or none.
 */
export const expireOrder = handle(ExpireOrder, async (command, ctx) => {
  await release(ctx, command, undefined);
});
export const abandonOrder = handle(AbandonOrder, async (command, ctx) => {
  await release(ctx, command, undefined);
});

/** Cancels the order and releases what it held; answers the order stream's version afterwards. */
function release(
  ctx: HandlerContext,
  command: MessageOf<typeof CancelOrder> | MessageOf<typeof ExpireOrder> | MessageOf<typeof AbandonOrder>,
  expectedVersion: number | undefined,
): Promise<number> {
  const { orderId } = command.data;
  const stream = orderStream(orderId);
  // Another order racing for the same stock or credit is retried; another writer of this order,
  // when the client said which version it read, means that version is stale: never retried.
  const retry = {
    ...UNIT_OF_WORK_RETRY,
    retryIf: (error: unknown) =>
      isConcurrencyError(error) && (expectedVersion === undefined || error.stream !== stream),
  };
  return runUnitOfWork(
    ctx,
    async (uow) => {
      await uow.store.events.lockStreams([stream]);
      const order = await aggregateStream(uow, stream, orderDecider);
      assertVersion(uow, stream, order.version, expectedVersion);
      // The order's rules decide first: an unknown, shipped or cancelled order releases nothing.
      const cancelled = toEventArray(orderDecider.decide(command, order.state));
      if (cancelled.length === 0) return { decisions: [], result: order.version };
      const { customerId, items, totalCents } = existingOrder(order.state, orderId);

      // What it gives back, known once the order is read; locked in one go, in one order.
      await uow.store.events.lockStreams([
        customerStream(customerId),
        ...items.map((item) => productStream(item.productId)),
      ]);
      const [customer, lines] = await Promise.all([
        aggregateStream(uow, customerStream(customerId), customerDecider),
        Promise.all(
          items.map(async (item) => ({
            ...item,
            product: await aggregateStream(uow, productStream(item.productId), productDecider),
          })),
        ),
      ]);
      const decisions: StreamDecision[] = [
        { stream, loadedVersion: order.version, events: cancelled },
        ...lines.map(({ productId, quantity, product }) => ({
          stream: productStream(productId),
          loadedVersion: product.version,
          events: toEventArray(
            productDecider.decide(ReleaseStock({ productId, orderId, quantity }), product.state),
          ),
        })),
        {
          stream: customerStream(customerId),
          loadedVersion: customer.version,
          events: toEventArray(
            customerDecider.decide(
              ReleaseCredit({ customerId, orderId, amountCents: totalCents }),
              customer.state,
            ),
          ),
        },
      ];
      return { decisions, result: order.version + cancelled.length };
    },
    retry,
  );
}
