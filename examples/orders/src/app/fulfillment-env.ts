/**
 * The fulfillment saga's times, from the environment, for the runnable service:
 * ORDERS_PAY_WITHIN_MS and ORDERS_SHIP_WITHIN_MS (unset: the default given).
 */
import { numberFrom } from '../payments/payment-env.js';
import type { FulfillmentOptions } from './fulfillment.js';

/**
 * @throws ValidationError naming the variable, for a value that is not a number.
 * @example
 * createOrdersApp({ store, fulfillment: fulfillmentOptionsFromEnv(process.env) });
 */
export function fulfillmentOptionsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  defaults: FulfillmentOptions = {},
): FulfillmentOptions {
  const payWithinMs = numberFrom(env, 'ORDERS_PAY_WITHIN_MS') ?? defaults.payWithinMs;
  const shipWithinMs = numberFrom(env, 'ORDERS_SHIP_WITHIN_MS') ?? defaults.shipWithinMs;
  return {
    ...(payWithinMs !== undefined && { payWithinMs }),
    ...(shipWithinMs !== undefined && { shipWithinMs }),
  };
}
