/** Parking events that failed every attempt, with their errors, in the caller's transaction. */
import { failureInfo } from '../store/port-input.js';
import type { StoreSession } from '../store/ports.js';
import type { FailedEvent } from './apply-events.js';
import { eventToJson } from './event-payload.js';

export async function deadLetter(
  tx: StoreSession,
  source: string,
  failed: readonly FailedEvent[],
): Promise<void> {
  for (const { event, error, attempts } of failed) {
    await tx.deadLetters.add({
      source,
      tenantId: event.tenantId,
      messageId: event.id,
      messageType: event.type,
      position: event.logPosition,
      payload: eventToJson(event),
      error: failureInfo(error),
      attempts,
    });
  }
}
