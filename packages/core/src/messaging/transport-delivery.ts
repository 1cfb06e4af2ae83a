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
import { ROOT_CONTEXT, SpanKind, type Link } from '@opentelemetry/api';
import { ATTR } from '../observability/semantic.js';
import { noTelemetry, type Telemetry } from '../observability/telemetry.js';
import { remoteContextOf, spanContextOf } from '../observability/trace-context.js';

/** Most links a publish span carries to the messages it sends. */
const MAX_LINKS = 128;

/**
 * Publishes one destination's batch as a `publish <destination>` span. A batch of one is a child
 * of the span that wrote the message; a larger one (its messages may come from many traces)
 * links to each. The messages keep their own trace context, so their consumers' spans are
 * children of the spans that sent them.
 */
function publishSpan(
  telemetry: Telemetry,
  transport: Transport,
  destination: string,
  batch: readonly OutboxMessage[],
  publish: () => Promise<void>,
): Promise<void> {
  if (telemetry.tracer === undefined) return publish();
  const attributes = {
    [ATTR.messagingSystem]: transport.name,
    [ATTR.messagingOperationType]: 'send',
    [ATTR.destination]: destination,
    [ATTR.batchCount]: batch.length,
    ...(batch.length === 1 && { [ATTR.messageId]: batch[0]!.id, [ATTR.messageType]: batch[0]!.type }),
  };
  if (batch.length === 1) {
    const headers = batch[0]!.headers;
    const parent = remoteContextOf({
      traceparent: headers['traceparent'],
      tracestate: headers['tracestate'],
    });
    return telemetry.span(`publish ${destination}`, SpanKind.PRODUCER, attributes, parent, publish);
  }
  const links: Link[] = [];
  for (const message of batch) {
    const traceparent = message.headers['traceparent'];
    const linked =
      traceparent === undefined ? undefined : spanContextOf(traceparent, message.headers['tracestate']);
    if (linked !== undefined && links.length < MAX_LINKS) links.push({ context: linked });
  }
  return telemetry.span(
    `publish ${destination}`,
    SpanKind.PRODUCER,
    attributes,
    ROOT_CONTEXT,
    publish,
    links,
  );
}

export function transportDelivery(
  store: Store,
  transport: Transport,
  telemetry: Telemetry = noTelemetry(),
): OutboxDelivery {
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
          await publishSpan(telemetry, transport, destination, batch, () =>
            transport.publish(destination, batch.map(transportMessageOf)),
          );
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
        telemetry.metrics?.outboxPublished.add(batch.length, { [ATTR.destination]: destination });
      }
      return published;
    },
  };
}
