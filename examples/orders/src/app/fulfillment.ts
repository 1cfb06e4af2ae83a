/**
 * The fulfillment saga: an order from placed to shipped. Placing it has already reserved its
 * stock and credit (the PlaceOrder unit of work); the saga asks the payment service to charge
 * it, confirms the order once it is paid, and waits for the warehouse to ship it (ShipOrder,
 * with the tracking number). A decline, or a step not done in time, abandons the order:
 * AbandonOrder cancels it with the reason and gives its stock and credit back in one unit of
 * work. Whoever cancels the order (the saga, or the back office), the saga then undoes the
 * payment: voided if the gateway has not answered yet, refunded if it charged.
 *
 * The order settles every race: an order that ships just as its time runs out is not abandoned
 * (AbandonOrder leaves it as it is), and the saga ends on what happened to the order, never on
 * what it asked for.
 */
import { defineSaga, ValidationError, type SagaContext } from '@whizbang/core';
import type { OrderId } from '../domain/ids.js';
import { AbandonOrder, ConfirmPaidOrder, type OrderEvent } from '../domain/order-messages.js';
import { CancelPayment, ChargePayment, type PaymentEvent } from '../payments/payment-messages.js';

export interface FulfillmentOptions {
  /** How long the payment may take, from placing the order (default 1 minute). */
  readonly payWithinMs?: number;
  /** How long the warehouse may take to ship, from the payment (default 2 days). */
  readonly shipWithinMs?: number;
}

export interface Fulfillment {
  /** Waiting for the payment, for the shipment, or for the order to be cancelled. */
  readonly stage: 'paying' | 'shipping' | 'abandoning';
  readonly amountCents: number;
}

export const DEFAULT_PAY_WITHIN_MS = 60_000;
export const DEFAULT_SHIP_WITHIN_MS = 2 * 24 * 60 * 60_000;

const byOrder = (message: { readonly data: { readonly orderId: string } }) => message.data.orderId;

/** `1500` → `'1.5 s'`, for reasons a person reads. */
function duration(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 120_000) return `${ms / 1_000} s`;
  if (ms < 2 * 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}

/** Refused when the saga is made, not when its first order is placed. */
function checkTimes(times: Record<string, number>): void {
  const issues = Object.entries(times)
    .filter(([, ms]) => !(Number.isSafeInteger(ms) && ms > 0))
    .map(([name]) => ({ message: 'must be a whole number of milliseconds, above 0', path: [name] }));
  if (issues.length > 0) throw new ValidationError(issues, 'fulfillment options');
}

// #region saga
export function fulfillment(options: FulfillmentOptions = {}) {
  const { payWithinMs = DEFAULT_PAY_WITHIN_MS, shipWithinMs = DEFAULT_SHIP_WITHIN_MS } = options;
  checkTimes({ payWithinMs, shipWithinMs });
  /** Gives up on the order: the order's own rules decide whether it can still be cancelled. */
  const abandon = (state: Fulfillment, saga: SagaContext, reason: string): Fulfillment => {
    saga.send(AbandonOrder({ orderId: saga.id as OrderId, reason }));
    return { ...state, stage: 'abandoning' };
  };
  return defineSaga<Fulfillment, OrderEvent | PaymentEvent>({
    name: 'fulfillment',
    startedBy: ['OrderPlaced'],
    correlate: {
      OrderPlaced: byOrder,
      PaymentCharged: byOrder,
      PaymentDeclined: byOrder,
      OrderShipped: byOrder,
      OrderCancelled: byOrder,
    },
    initialState: () => ({ stage: 'paying', amountCents: 0 }),
    handlers: {
      OrderPlaced: (_state, placed, saga) => {
        const { orderId, customerId, totalCents } = placed.data;
        saga.send(ChargePayment({ orderId, customerId, amountCents: totalCents }));
        saga.addCompensation(CancelPayment({ orderId })); // sent if the order is cancelled
        saga.requestTimeout('payment', { delayMs: payWithinMs });
        return { stage: 'paying', amountCents: totalCents };
      },
      PaymentCharged: (state, _charged, saga) => {
        if (state.stage !== 'paying') return state; // a repeat, or too late: the cancellation refunds it
        saga.cancelTimeout('payment');
        saga.send(ConfirmPaidOrder({ orderId: saga.id as OrderId }));
        saga.requestTimeout('shipping', { delayMs: shipWithinMs });
        return { ...state, stage: 'shipping' };
      },
      PaymentDeclined: (state, declined, saga) => {
        if (state.stage !== 'paying') return state;
        saga.cancelTimeout('payment');
        return abandon(state, saga, `payment declined: ${declined.data.reason}`);
      },
      OrderShipped: (_state, _shipped, saga) => saga.complete(),
      // Cancelled by the saga or by the back office: the recorded CancelPayment undoes the payment.
      OrderCancelled: (_state, cancelled, saga) => saga.compensate(cancelled.data.reason),
    },
    timeouts: {
      payment: (state, _timeout, saga) => abandon(state, saga, `not paid within ${duration(payWithinMs)}`),
      shipping: (state, _timeout, saga) =>
        abandon(state, saga, `not shipped within ${duration(shipWithinMs)}`),
    },
  });
}
// #endregion
