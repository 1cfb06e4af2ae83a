/**
 * The payment service's messages: what it is asked to do, and what it answers. It knows orders
 * only by their id; it is its own service, which may run in the orders process or in another.
 */
import { defineCommand, defineEvent, type, type MessageOf } from '@whizbang/core';

/** Charge `amountCents` for an order. Asking twice for one order charges it once. */
export const ChargePayment = defineCommand('ChargePayment', {
  data: type<{ orderId: string; customerId: string; amountCents: number }>(),
});
/**
 * Undo an order's payment: refunded if it was charged, voided if it was not yet (so an answer
 * that comes later charges nothing).
 */
export const CancelPayment = defineCommand('CancelPayment', { data: type<{ orderId: string }>() });
/** The service's own: a gateway that answers late has its answer due now. */
export const SettlePayment = defineCommand('SettlePayment', { data: type<{ orderId: string }>() });

/** Asked of a gateway that answers later (`delayMs`); its answer follows. */
export const PaymentRequested = defineEvent('PaymentRequested', {
  data: type<{ orderId: string; customerId: string; amountCents: number }>(),
});
export const PaymentCharged = defineEvent('PaymentCharged', {
  data: type<{ orderId: string; amountCents: number }>(),
});
export const PaymentDeclined = defineEvent('PaymentDeclined', {
  data: type<{ orderId: string; amountCents: number; reason: string }>(),
});
export const PaymentRefunded = defineEvent('PaymentRefunded', {
  data: type<{ orderId: string; amountCents: number }>(),
});
/** Cancelled before the gateway answered: a later answer charges nothing. */
export const PaymentVoided = defineEvent('PaymentVoided', { data: type<{ orderId: string }>() });

export type PaymentEvent =
  | MessageOf<typeof PaymentRequested>
  | MessageOf<typeof PaymentCharged>
  | MessageOf<typeof PaymentDeclined>
  | MessageOf<typeof PaymentRefunded>
  | MessageOf<typeof PaymentVoided>;

/**
 * What the service tells others, when it runs as its own service: its
 * `messaging.publishedEvents`, and what a service that `subscribeTo: ['payments']` hears.
 */
export const PAYMENT_OUTCOMES: readonly PaymentEvent['type'][] = [
  'PaymentCharged',
  'PaymentDeclined',
  'PaymentRefunded',
  'PaymentVoided',
];

/** The payment service's name on the broker, when it runs as its own service. */
export const PAYMENTS_SERVICE = 'payments';

/** What others ask of it: a service that sends these routes them to `payments`. */
export const PAYMENT_COMMANDS = [ChargePayment.type, CancelPayment.type] as const;

/** One payment per order. */
export const paymentStream = (orderId: string): string => `payment-${orderId}`;
