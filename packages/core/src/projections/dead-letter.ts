/** Parking events that failed every attempt, with their errors, in the caller's transaction. */
import { failureInfo } from '../store/port-input.js';
import type { StoreSession } from '../store/ports.js';
import type { FailedEvent } from './apply-events.js';
import { eventToJson, type RecordedEventJson } from './event-payload.js';
import type { Generation } from './generations.js';

/** A projection's dead letter: the event, and the generation that parked it. */
export interface ProjectionLetter extends RecordedEventJson {
  readonly generation?: { readonly version: number; readonly generation: number };
}

export async function deadLetter(
  tx: StoreSession,
  source: string,
  failed: readonly FailedEvent[],
  generation?: Generation,
): Promise<void> {
  for (const { event, error, attempts } of failed) {
    await tx.deadLetters.add({
      source,
      tenantId: event.tenantId,
      messageId: event.id,
      messageType: event.type,
      position: event.logPosition,
      payload: {
        ...eventToJson(event),
        ...(generation && { generation: { version: generation.version, generation: generation.generation } }),
      } satisfies ProjectionLetter,
      error: failureInfo(error),
      attempts,
    });
  }
}
