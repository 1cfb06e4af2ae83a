/**
 * A projection shard's batch: apply it to the generation's documents and commit them, the dead
 * letters and the checkpoint in one transaction, fenced by the lease. Exactly-once effect: the
 * documents move with the checkpoint or not at all.
 */
import { compareLogPositions } from '../event-store/log-position.js';
import { LOG_START, type LogPosition } from '../event-store/types.js';
import { applyEvents } from './apply-events.js';
import { deadLetter } from './dead-letter.js';
import type { Projection } from './define-projection.js';
import type { BatchContext, BatchOutcome, ShardWork } from './generations.js';
import type { ReadModelTarget } from './read-model-target.js';

export const laterOf = (a: LogPosition, b: LogPosition): LogPosition =>
  compareLogPositions(a, b) >= 0 ? a : b;

export function projectionWork(projection: Projection, target: ReadModelTarget): ShardWork {
  return {
    async process({
      store,
      name,
      batch,
      from,
      head,
      caughtUp,
      lease,
      signal,
      replaying,
      cache,
    }: BatchContext) {
      const { outcome, written } = await store.transaction(async (tx) => {
        const result = await applyEvents(projection, batch, tx, {
          mode: 'daemon',
          signal,
          target,
          replaying,
          checkVersions: true,
          cache,
        });
        await deadLetter(tx, projection.name, result.failed);
        const last = batch[result.consumed - 1]?.logPosition;
        // Caught up: every event of the projection up to the head is done, so the checkpoint
        // may pass over the other projections' events as well.
        const next = result.stoppedAt ? last : caughtUp ? laterOf(last ?? LOG_START, head) : last;
        const moves = next !== undefined && compareLogPositions(next, from ?? LOG_START) > 0;
        if (moves) await tx.checkpoints.compareAndSet(name, from, next, { lease });
        return {
          outcome: {
            consumed: result.consumed,
            failed: result.failed.length,
            ...(result.stoppedAt && { stoppedAt: result.stoppedAt }),
            ...(moves && { next }),
          } satisfies BatchOutcome,
          written: result.written,
        };
      });
      // Only what committed: a failed batch leaves the cache as it was, and the runner clears it.
      cache.remember(written);
      return outcome;
    },
  };
}
