/**
 * A delivery is settled once. Every transport builds its deliveries here, so a second settle
 * fails the same way everywhere, and a handler that returns or throws without settling has its
 * delivery given back (nacked) rather than left hanging until the connection closes.
 */
import { StateError } from '../errors/catalog.js';
import type { Delivery, Subscription, TransportMessage } from './transport.js';

export interface Settlers {
  ack(): Promise<void>;
  nack(): Promise<void>;
  deadLetter(reason: string): Promise<void>;
}

export interface TrackedDelivery extends Delivery {
  readonly settled: boolean;
}

export function settleOnce(
  message: TransportMessage,
  subscription: Subscription,
  deliveryCount: number,
  settlers: Settlers,
): TrackedDelivery {
  let settledAs: string | undefined;
  const once =
    <A extends unknown[]>(as: string, settle: (...args: A) => Promise<void>) =>
    (...args: A): Promise<void> => {
      if (settledAs !== undefined)
        return Promise.reject(
          new StateError(
            `Message '${message.id}' was already settled (${settledAs}); it cannot be ${as} too`,
          ),
        );
      settledAs = as;
      return settle(...args);
    };
  return {
    message,
    subscription,
    deliveryCount,
    get settled() {
      return settledAs !== undefined;
    },
    ack: once('acked', () => settlers.ack()),
    nack: once('nacked', () => settlers.nack()),
    deadLetter: once('dead-lettered', (reason: string) => settlers.deadLetter(reason)),
  };
}

/** Runs a consumer's handler; a delivery it leaves unsettled, by returning or throwing, is nacked. */
export async function handleDelivery(
  handler: (delivery: Delivery) => Promise<void>,
  delivery: TrackedDelivery,
): Promise<void> {
  try {
    await handler(delivery);
  } catch {
    // The handler's error is its own to report; the transport's duty is the message.
  }
  if (!delivery.settled) await delivery.nack().catch(() => undefined);
}
