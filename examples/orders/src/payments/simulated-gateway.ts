/**
 * The card gateway the payment service talks to, simulated, with the failures a real one has:
 * declines (here, by a rule), outages (at a rate) and slowness (a delay). Each is an option, so
 * tests and demos can provoke every path of the fulfillment saga.
 */
import { ValidationError, type ValidationIssue } from '@whizbang/core';

export interface SimulatedGatewayOptions {
  /** Charges of more than this many cents are declined (default: none is). */
  readonly declineAboveCents?: number;
  /**
   * The share of calls that fail, from 0 to 1 (default 0): the gateway is unreachable. The
   * command is retried (with back-off), and dead-lettered after its last attempt.
   */
  readonly failureRate?: number;
  /**
   * How long the gateway takes to answer, in ms (default 0: at once). A slow answer is recorded
   * as requested, and settled that much later (durably, by the `payment-gateway` saga), never
   * by holding the command's transaction open.
   */
  readonly delayMs?: number;
  /** Where failures draw their chance from (default `Math.random`); tests script it. */
  readonly random?: () => number;
}

/** What the gateway says to a charge. */
export type GatewayAnswer =
  { readonly approved: true } | { readonly approved: false; readonly reason: string };

/** The gateway could not be reached: nothing happened, and asking again may work. */
export class PaymentGatewayUnavailableError extends Error {
  readonly code = 'PAYMENT_GATEWAY_UNAVAILABLE';
  constructor() {
    super('The payment gateway did not answer (simulated outage); the charge is retried');
    this.name = 'PaymentGatewayUnavailableError';
  }
}

export interface SimulatedGateway {
  readonly delayMs: number;
  /**
   * Approves or declines a charge.
   * @throws PaymentGatewayUnavailableError as often as `failureRate` says.
   */
  answer(amountCents: number): GatewayAnswer;
}

const amount = (cents: number) => (cents / 100).toFixed(2);

/**
 * @example
 * const gateway = simulatedGateway({ declineAboveCents: 150_00, failureRate: 0.2, delayMs: 500 });
 * gateway.answer(200_00); // { approved: false, reason: "200.00 is over the card's 150.00 limit" }
 */
export function simulatedGateway(options: SimulatedGatewayOptions = {}): SimulatedGateway {
  const { declineAboveCents, failureRate = 0, delayMs = 0, random = Math.random } = options;
  const issues: ValidationIssue[] = [];
  if (declineAboveCents !== undefined && !(Number.isSafeInteger(declineAboveCents) && declineAboveCents >= 0))
    issues.push({ message: 'must be a whole number of cents, 0 or more', path: ['declineAboveCents'] });
  if (!(failureRate >= 0 && failureRate <= 1))
    issues.push({ message: 'must be a share from 0 to 1', path: ['failureRate'] });
  if (!(Number.isSafeInteger(delayMs) && delayMs >= 0))
    issues.push({ message: 'must be a whole number of milliseconds, 0 or more', path: ['delayMs'] });
  if (issues.length > 0) throw new ValidationError(issues, 'payment gateway options');
  return {
    delayMs,
    answer(amountCents) {
      if (failureRate > 0 && random() < failureRate) throw new PaymentGatewayUnavailableError();
      if (declineAboveCents !== undefined && amountCents > declineAboveCents)
        return {
          approved: false,
          reason: `${amount(amountCents)} is over the card's ${amount(declineAboveCents)} limit`,
        };
      return { approved: true };
    },
  };
}
