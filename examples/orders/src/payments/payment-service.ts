/**
 * The simulated payment service, as the handlers and sagas an app runs. The orders app runs it
 * in its own process by default; routing its commands elsewhere (`messaging.commandRoutes`)
 * moves it to a `payments` app built from the same call, unchanged (`createPaymentsApp`).
 */
import type { HandlerRegistration, Saga } from '@whizbang/core';
import { gatewayAnswers } from './gateway-answers.js';
import { paymentHandlers } from './payment-handlers.js';
import { simulatedGateway, type SimulatedGatewayOptions } from './simulated-gateway.js';

export type PaymentServiceOptions = SimulatedGatewayOptions;

export interface PaymentService {
  readonly handlers: readonly HandlerRegistration[];
  readonly sagas: readonly Saga<any>[];
}

/**
 * @example
 * // In the orders process (what createOrdersApp does), or as a service of its own:
 * const payments = whizbang({
 *   store,
 *   messaging: { transport, service: 'payments', publishedEvents: PAYMENT_OUTCOMES },
 *   ...paymentService({ declineAboveCents: 150_00, failureRate: 0.1 }),
 * });
 */
export function paymentService(options: PaymentServiceOptions = {}): PaymentService {
  const gateway = simulatedGateway(options);
  return { handlers: paymentHandlers(gateway), sagas: [gatewayAnswers(gateway.delayMs)] };
}
