/**
 * A reactor shard's batch: each event's side effect, then its checkpoint, one event at a time,
 * so a crash repeats at most the event in flight. A failure past its retries is dead-lettered
 * (with the checkpoint, in one transaction) or stops the shard, by policy.
 */
import { compareLogPositions } from '../event-store/log-position.js';
import { LOG_START, type LogPosition } from '../event-store/types.js';
import type { FailedEvent } from './apply-events.js';
import { attempt } from './attempts.js';
import { deadLetter } from './dead-letter.js';
import type { Reactor } from './define-reactor.js';
import type { BatchContext, BatchOutcome, Shard, ShardWork } from './generations.js';
import { laterOf } from './projection-work.js';

function reactorWork(reactor: Reactor): ShardWork {
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
    }: BatchContext): Promise<BatchOutcome> {
      let at: LogPosition | undefined = from;
      let failed = 0;
      const failures: FailedEvent[] = [];
      /** Moves the checkpoint past an event, parking it first when it failed. */
      const advance = async (to: LogPosition, failure?: FailedEvent) => {
        if (failure) {
          await store.transaction(async (tx) => {
            await deadLetter(tx, reactor.name, [failure]);
            await tx.checkpoints.compareAndSet(name, at, to, { lease });
          });
        } else await store.checkpoints.compareAndSet(name, at, to, { lease });
        at = to;
      };
      for (const [index, event] of batch.entries()) {
        const handler = reactor.handlerFor(event.type)!;
        const outcome = await attempt(
          (n) => handler(event, { idempotencyKey: `${reactor.name}:${event.id}`, attempt: n, store, signal }),
          reactor.errors,
          signal,
        );
        if (!outcome.ok) {
          const failure = { event, error: outcome.error, attempts: outcome.attempts };
          failures.push(failure);
          if (reactor.errors.onFailure === 'stop')
            return {
              consumed: index,
              failed,
              failures,
              stoppedAt: failure,
              ...(at !== from && at && { next: at }),
            };
          await advance(event.logPosition, failure);
          failed++;
          continue;
        }
        await advance(event.logPosition);
      }
      if (caughtUp && compareLogPositions(head, at ?? LOG_START) > 0)
        await advance(laterOf(head, at ?? LOG_START));
      return { consumed: batch.length, failed, failures, ...(at !== from && at && { next: at }) };
    },
  };
}

/** A reactor's shards: one per partition, never rebuilt. */
export function reactorShards(reactor: Reactor): Shard[] {
  const work = reactorWork(reactor);
  return Array.from({ length: reactor.partitions }, (_, partition) => ({
    name: `reactor/${reactor.name}/${partition}-of-${reactor.partitions}`,
    kind: 'reactor' as const,
    source: reactor.name,
    eventTypes: reactor.eventTypes,
    partitions: reactor.partitions,
    partition,
    generation: { version: 1, generation: 1 },
    replaying: false,
    startAtHead: reactor.startFrom === 'now',
    work,
  }));
}
