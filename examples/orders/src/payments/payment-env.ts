/**
 * The payment service's failures, from the environment, for the runnable service:
 * PAYMENTS_DECLINE_ABOVE_CENTS, PAYMENTS_FAILURE_RATE, PAYMENTS_DELAY_MS (unset: the default).
 */
import { ValidationError } from '@whizbang/core';
import type { PaymentServiceOptions } from './payment-service.js';

/**
 * @throws ValidationError naming the variable, for a value that is not a number.
 * @example
 * paymentOptionsFromEnv({ PAYMENTS_FAILURE_RATE: '0.2' }); // { failureRate: 0.2 }
 */
export function paymentOptionsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  defaults: PaymentServiceOptions = {},
): PaymentServiceOptions {
  const declineAboveCents = numberFrom(env, 'PAYMENTS_DECLINE_ABOVE_CENTS') ?? defaults.declineAboveCents;
  const failureRate = numberFrom(env, 'PAYMENTS_FAILURE_RATE') ?? defaults.failureRate;
  const delayMs = numberFrom(env, 'PAYMENTS_DELAY_MS') ?? defaults.delayMs;
  return {
    ...defaults,
    ...(declineAboveCents !== undefined && { declineAboveCents }),
    ...(failureRate !== undefined && { failureRate }),
    ...(delayMs !== undefined && { delayMs }),
  };
}

/** A number from the environment, or undefined when the variable is unset or empty. */
export function numberFrom(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
): number | undefined {
  const text = env[name];
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value))
    throw new ValidationError([{ message: `must be a number (got '${text}')`, path: [name] }], 'environment');
  return value;
}
