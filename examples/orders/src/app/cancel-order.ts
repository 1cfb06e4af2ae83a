/**
 * CancelOrder (a customer changed their mind) and ExpireOrder (nobody confirmed in time): one
 * unit of work that cancels the order and gives its stock and credit back, all in one atomic
 * append.
 */
import { aggregateStream, handle, toEventArray, type HandlerContext, type MessageOf } from '@whizbang/core';
import { ReleaseCredit } from '../domain/customer-messages.js';
import { customerDecider } from '../domain/customer.js';
import { customerStream, orderStream, productStream } from '../domain/ids.js';
import { CancelOrder, ExpireOrder } from '../domain/order-messages.js';
import { existingOrder, orderDecider } from '../domain/order.js';
import { ReleaseStock } from '../domain/product-messages.js';
import { productDecider } from '../domain/product.js';
import { runUnitOfWork, type StreamDecision } from './unit-of-work.js';

export { CancelOrder, ExpireOrder };

export const cancelOrder = handle(CancelOrder, (command, ctx) => release(ctx, command));
export const expireOrder = handle(ExpireOrder, (command, ctx) => release(ctx, command));

function release(
  ctx: HandlerContext,
  command: MessageOf<typeof CancelOrder> | MessageOf<typeof ExpireOrder>,
): Promise<void> {
  const { orderId } = command.data;
  return runUnitOfWork(ctx, async () => {
    const order = await aggregateStream(ctx, orderStream(orderId), orderDecider);
    // The order's rules decide first: an unknown, shipped or cancelled order releases nothing.
    const cancelled = toEventArray(orderDecider.decide(command, order.state));
    if (cancelled.length === 0) return { decisions: [], result: undefined };
    const { customerId, items, totalCents } = existingOrder(order.state, orderId);

    const [customer, lines] = await Promise.all([
      aggregateStream(ctx, customerStream(customerId), customerDecider),
      Promise.all(
        items.map(async (item) => ({
          ...item,
          product: await aggregateStream(ctx, productStream(item.productId), productDecider),
        })),
      ),
    ]);
    const decisions: StreamDecision[] = [
      { stream: orderStream(orderId), loadedVersion: order.version, events: cancelled },
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
    return { decisions, result: undefined };
  });
}
