/**
 * The confirmation deadline: a saga that gives every order a limited time to be confirmed.
 * Placing an order starts it and asks for a durable timeout; confirming or cancelling the order
 * ends it (and withdraws the timeout); if the timeout falls due first, the order expires, which
 * gives its stock and credit back. The timeout waits in the outbox, so it survives restarts and
 * fires once however many nodes run the app.
 */
import { defineSaga } from '@whizbang/core';
import { ExpireOrder, type OrderEvent } from '../domain/order-messages.js';
import type { OrderId } from '../domain/ids.js';

export interface Deadline {
  readonly totalCents: number;
}

const byOrder = (event: { readonly data: { readonly orderId: OrderId } }) => event.data.orderId;

// #region saga
export function confirmationDeadline(confirmWithinMs: number) {
  return defineSaga<Deadline, OrderEvent>({
    name: 'confirmation-deadline',
    startedBy: ['OrderPlaced'],
    correlate: { OrderPlaced: byOrder, OrderConfirmed: byOrder, OrderCancelled: byOrder },
    initialState: () => ({ totalCents: 0 }),
    handlers: {
      OrderPlaced: (_state, placed, saga) => {
        saga.requestTimeout('confirmation', { delayMs: confirmWithinMs });
        return { totalCents: placed.data.totalCents };
      },
      OrderConfirmed: (_state, _confirmed, saga) => saga.complete(),
      OrderCancelled: (_state, _cancelled, saga) => saga.complete(),
    },
    timeouts: {
      confirmation: (_state, _timeout, saga) => {
        saga.send(ExpireOrder({ orderId: saga.id as OrderId }));
        saga.complete();
      },
    },
  });
}
// #endregion
