/**
 * Replaying a projection's dead letter after the fault is fixed: the event is applied and the
 * dead letter deleted in one transaction, so it takes effect exactly once even if two
 * operators replay it at the same time.
 */
import { isDocumentConflictError, StateError, ValidationError } from '../errors/catalog.js';
import type { Store } from '../store/ports.js';
import { applyEvents } from './apply-events.js';
import type { Projection } from './define-projection.js';
import type { ProjectionLetter } from './dead-letter.js';
import { eventFromJson } from './event-payload.js';
import { generationTarget } from './generations.js';
import { activeGeneration, sameGeneration } from './projection-registry.js';

/**
 * Applies a dead-lettered event to its projection again and discards the dead letter.
 * @throws ProjectionFailedError when the handler still fails (the dead letter stays).
 * @throws StateError when there is no such dead letter (already replayed or discarded).
 * @example
 * for (const letter of await store.deadLetters.list({ source: orderSummaries.name }))
 *   await replayDeadLetter(store, orderSummaries, letter.id);
 */
export async function replayDeadLetter(store: Store, projection: Projection, id: string): Promise<void> {
  // The daemon may write the same documents meanwhile: the replay checks their versions and,
  // when one moved on, runs again on what is stored.
  for (let attempt = 1; ; attempt++) {
    try {
      return await replayOnce(store, projection, id);
    } catch (error) {
      if (!isDocumentConflictError(error) || attempt === MAX_ATTEMPTS) throw error;
    }
  }
}

const MAX_ATTEMPTS = 10;

async function replayOnce(store: Store, p: Projection, id: string): Promise<void> {
  await store.transaction(async (tx) => {
    const letter = await tx.deadLetters.get(id);
    if (!letter) throw new StateError(`Dead letter '${id}' does not exist: replayed or discarded already`);
    if (letter.source !== p.name)
      throw new ValidationError(
        [{ message: `belongs to '${letter.source}', not to projection '${p.name}'`, path: ['id'] }],
        'replayDeadLetter',
      );
    // Deleting first takes the row: a concurrent replay waits here, then finds nothing to delete.
    if (!(await tx.deadLetters.delete(id)))
      throw new StateError(`Dead letter '${id}' was replayed by someone else meanwhile`);
    // Into the generation serving reads. A letter parked by a generation a rebuild has since
    // replaced is stale: the new generation ran its event itself (applied or parked it anew).
    const active = await activeGeneration(tx, p);
    const payload = letter.payload as ProjectionLetter;
    if (payload.generation !== undefined && !sameGeneration(payload.generation, active))
      throw new StateError(
        `Dead letter '${id}' was parked by version ${payload.generation.version} (generation ${payload.generation.generation}) of '${p.name}', which no longer serves reads: the rebuild that replaced it ran the event again; discard the letter`,
      );
    const target = generationTarget(p, active);
    await applyEvents(p, [eventFromJson(payload)], tx, {
      mode: 'inline',
      replaying: true,
      checkVersions: true,
      target,
    });
  });
}
