/**
 * Delivery without a broker: an app with no transport hands its due outbox messages (saga
 * commands and timeouts, scheduled commands) to its own handlers. Each message runs in one
 * transaction with its inbox record (written after the handlers: handled-once.ts) and its
 * completion, so a relay that dies mid-way leaves it to run again, once. A failure is retried
 * with back-off (the message goes back to the outbox, due later, never blocking the ones behind
 * it); after the last attempt it is dead-lettered.
 */
import type { Store } from '../store/ports.js';
import { backoffDelay } from './backoff.js';
import { decodeEnvelope, type DecodedMessage } from './envelope-codec.js';
import { runOnce } from './handled-once.js';
import { parkMessage, permanent, type ParkedMessage, type Receiver } from './message-consumer.js';
import type { MessageRetryPolicy } from './messaging-options.js';
import { transportMessageOf, type OutboxDelivery } from './outbox-relay.js';

/** The destination and inbox group of messages an app without a transport sends itself. */
export const LOCAL_DESTINATION = 'local';

export function localDelivery(
  store: Store,
  receiver: Receiver,
  retry: Required<MessageRetryPolicy>,
  onError: (error: unknown) => void,
): OutboxDelivery {
  const park = (
    owner: string,
    parked: ParkedMessage,
    decoded: DecodedMessage | undefined,
    error: unknown,
    attempts: number,
  ) =>
    store.transaction(async (tx) => {
      await parkMessage(tx, parked, decoded?.envelope, error, attempts);
      await tx.outbox.complete(owner, [parked.message.id]);
    });
  return {
    async deliver(owner, claimed) {
      let delivered = 0;
      for (const row of claimed) {
        const message = transportMessageOf(row);
        const parked: ParkedMessage = {
          subscription: { destination: row.destination, group: LOCAL_DESTINATION },
          message,
        };
        let decoded: DecodedMessage | undefined;
        try {
          decoded = decodeEnvelope(message);
          const { kind, envelope } = decoded;
          await store.transaction(async (tx) => {
            await runOnce(tx, LOCAL_DESTINATION, envelope.id, () => receiver.receive(kind, envelope, tx));
            await tx.outbox.complete(owner, [row.id]);
          });
          delivered++;
        } catch (error) {
          onError(error);
          const attempts = row.attempts + 1;
          if (decoded === undefined || permanent(error) || attempts >= retry.maxAttempts)
            await park(owner, parked, decoded, error, attempts);
          else
            await store.outbox.release(owner, [row.id], {
              retryAt: new Date(Date.now() + backoffDelay(attempts, retry)),
              error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
            });
        }
      }
      return delivered;
    },
  };
}
