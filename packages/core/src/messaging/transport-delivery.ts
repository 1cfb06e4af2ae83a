/**
 * Delivery through a broker: claimed messages are published destination by destination, in the
 * order claimed, each batch completed once the broker confirmed it. A failed publish releases
 * its batch with back-off and the batches not yet tried at once, so a broker that comes back
 * finds them waiting: nothing is stranded on a dead connection.
 */
import type { OutboxMessage, Store } from '../store/ports.js';
import type { Transport } from '../transport/transport.js';
import { backoffDelay } from './backoff.js';
import { RETRY_CEILING, transportMessageOf, type OutboxDelivery } from './outbox-relay.js';

export function transportDelivery(store: Store, transport: Transport): OutboxDelivery {
  return {
    async deliver(owner, claimed) {
      const byDestination = new Map<string, OutboxMessage[]>();
      for (const message of claimed) {
        let batch = byDestination.get(message.destination);
        if (!batch) byDestination.set(message.destination, (batch = []));
        batch.push(message);
      }
      const batches = [...byDestination];
      let published = 0;
      for (const [index, [destination, batch]] of batches.entries()) {
        const ids = batch.map((m) => m.id);
        try {
          await transport.publish(destination, batch.map(transportMessageOf));
        } catch (error) {
          const attempts = Math.max(...batch.map((m) => m.attempts)) + 1;
          const rest = batches.slice(index + 1).flatMap(([, later]) => later);
          // Give back this batch, with back-off, and the ones not yet tried, at once.
          await store.outbox
            .release(owner, ids, {
              retryAt: new Date(Date.now() + backoffDelay(attempts, RETRY_CEILING)),
              error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
            })
            .catch(() => undefined); // if this fails too, the claim runs out and frees them
          if (rest.length > 0)
            await store.outbox
              .release(
                owner,
                rest.map((m) => m.id),
                { retryAt: new Date(), error: 'not tried: an earlier publish failed' },
              )
              .catch(() => undefined);
          throw error;
        }
        // Published: if completing fails, the claim runs out and the messages go again, which the inbox absorbs.
        await store.outbox.complete(owner, ids);
        published += batch.length;
      }
      return published;
    },
  };
}
