/**
 * The payment service as an app of its own, on its own store, over a broker: it takes
 * ChargePayment and CancelPayment from its command queue and publishes its outcomes, which the
 * orders service hears. The handlers and saga are the ones the orders app runs in process.
 */
import {
  whizbang,
  type Logger,
  type MessagingOptions,
  type ObservabilityOptions,
  type Store,
  type WhizbangApp,
} from '@whizbang/core';
import { PAYMENT_OUTCOMES, PAYMENTS_SERVICE } from './payment-messages.js';
import { paymentService, type PaymentServiceOptions } from './payment-service.js';

export interface PaymentsAppOptions {
  /** The payment service's own store: its events are nobody else's. */
  readonly store: Store;
  /** The broker and this node's part; the service's name and what it publishes are fixed. */
  readonly messaging: Omit<MessagingOptions, 'service' | 'commandRoutes' | 'publishedEvents' | 'subscribeTo'>;
  /** The failures the simulated gateway injects. */
  readonly gateway?: PaymentServiceOptions;
  readonly logger?: Logger;
  readonly observability?: ObservabilityOptions;
}

/**
 * @example
 * const payments = createPaymentsApp({
 *   store: postgresStore({ connectionString, schema: 'payments' }),
 *   messaging: { transport: await rabbitmqTransport({ url: 'amqp://127.0.0.1:5672' }) },
 *   gateway: { declineAboveCents: 150_00 },
 * });
 * await payments.start();
 */
// #region app
export function createPaymentsApp(options: PaymentsAppOptions): WhizbangApp {
  return whizbang({
    store: options.store,
    messaging: { ...options.messaging, service: PAYMENTS_SERVICE, publishedEvents: PAYMENT_OUTCOMES },
    ...paymentService(options.gateway),
    ...(options.logger !== undefined && { logger: options.logger }),
    ...(options.observability !== undefined && { observability: options.observability }),
  });
}
// #endregion
