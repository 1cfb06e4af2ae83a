/**
 * A unit of work over several aggregates: load each stream, decide with each decider, then
 * append every stream's new events in ONE atomic `appendToStreams`, each expecting the version
 * it was loaded at. If another writer got to any of the streams first, nothing is written and
 * the whole decision is made again on fresh state.
 */
import {
  appendOptionsFrom,
  retryOnConflict,
  type Event,
  type HandlerContext,
  type RetryPolicy,
  type StreamAppend,
} from '@whizbang/core';

/** One stream's part of a decision: its new events and the version they were decided on. */
export interface StreamDecision {
  readonly stream: string;
  /** The version the stream was loaded at (0 for a new stream). */
  readonly loadedVersion: number;
  readonly events: readonly Event[];
}

/**
 * Every failed attempt means another writer committed to one of our streams. Ten attempts ride
 * out a burst of concurrent orders for the same product; the loser then decides on fresh state
 * and gets the domain error (e.g. insufficient stock) rather than a ConcurrencyError.
 */
export const UNIT_OF_WORK_RETRY: RetryPolicy = { maxAttempts: 10, baseDelayMs: 2, maxDelayMs: 50 };

/**
 * Runs `decide` (which loads and decides, throwing a domain error to refuse) and commits its
 * decisions atomically, retrying the whole of it on a concurrency conflict.
 */
export function runUnitOfWork<T>(
  ctx: HandlerContext,
  decide: () => Promise<{ readonly decisions: readonly StreamDecision[]; readonly result: T }>,
  retry: RetryPolicy = UNIT_OF_WORK_RETRY,
): Promise<T> {
  return retryOnConflict(
    async () => {
      const { decisions, result } = await decide();
      const appends: StreamAppend[] = decisions
        .filter((decision) => decision.events.length > 0)
        .map(({ stream, events, loadedVersion }) => ({ stream, events, expectedVersion: loadedVersion }))
        // PostgreSQL locks each stream as the transaction reaches it: two orders naming the
        // same products in opposite order would each hold one and wait for the other (a
        // deadlock, a 500). In stream-name order every unit of work locks in the same order.
        .toSorted((a, b) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0));
      if (appends.length > 0) await ctx.store.events.appendToStreams(appends, appendOptionsFrom(ctx));
      return result;
    },
    retry,
    ctx.signal,
  );
}
