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
import type { BatchContext, BatchOutcome, Generation, ShardWork } from './generations.js';
import type { ReadModelTarget } from './read-model-target.js';

export const laterOf = (a: LogPosition, b: LogPosition): LogPosition =>
  compareLogPositions(a, b) >= 0 ? a : b;

export function projectionWork(
  projection: Projection,
  target: ReadModelTarget,
  generation?: Generation,
): ShardWork {
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
      const { outcome, written, unwritten } = await store.transaction(async (tx) => {
        // Rows of tables carry no version, so a change from outside (`rebuildTenant`) could not
        // be noticed at write time: take the checkpoint's row before reading any, so such a
        // change is either committed before the rows are read or waits for this batch.
        if (target.kind === 'table' && from !== undefined)
          await tx.checkpoints.compareAndSet(name, from, from, { lease });
        const checkpoint: { moved?: LogPosition } = {};
        const result = await applyEvents(projection, batch, tx, {
          mode: 'daemon',
          signal,
          target,
          replaying,
          checkVersions: true,
          cache,
          // The checkpoint moves before the documents are written, so every writer of a shard's
          // documents (this batch, `rebuildTenant`) takes the checkpoint's row first: no cycle
          // of locks, and a batch computed before a tenant rebuild waits for it, then fails
          // its version checks and runs again on what is stored.
          beforeWrite: async ({ consumed, stoppedAt }) => {
            const last = batch[consumed - 1]?.logPosition;
            // Caught up: every event of the projection up to the head is done, so the checkpoint
            // may pass over the other projections' events as well.
            const next = stoppedAt ? last : caughtUp ? laterOf(last ?? LOG_START, head) : last;
            if (next === undefined || compareLogPositions(next, from ?? LOG_START) <= 0) return;
            await tx.checkpoints.compareAndSet(name, from, next, { lease });
            checkpoint.moved = next;
          },
        });
        await deadLetter(tx, projection.name, result.failed, generation);
        return {
          outcome: {
            consumed: result.consumed,
            failed: result.failed.length,
            failures: result.stoppedAt ? [...result.failed, result.stoppedAt] : result.failed,
            ...(result.stoppedAt && { stoppedAt: result.stoppedAt }),
            ...(checkpoint.moved && { next: checkpoint.moved }),
          } satisfies BatchOutcome,
          written: result.written,
          unwritten: result.unwritten,
        };
      });
      // Only what committed: a failed batch leaves the cache as it was, and the runner clears it.
      cache.remember(written, unwritten);
      return outcome;
    },
  };
}
