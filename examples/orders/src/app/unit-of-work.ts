/**
 * A unit of work over several aggregates: in one transaction, lock the streams it will write,
 * load each, decide with each decider, then append every stream's new events in ONE atomic
 * `appendToStreams`, each expecting the version it was loaded at. Locked first, a hot stream
 * (the last units of a product everyone wants) queues its writers instead of failing all but
 * one; a writer that does not lock can still get in first, and then the whole decision is made
 * again on fresh state.
 */
import {
  appendOptionsFrom,
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
 * Every failed attempt means a writer that did not lock (or locked less) committed to one of our
 * streams first. The loser then decides on fresh state and gets the domain error (e.g.
 * insufficient stock) rather than a ConcurrencyError.
 */
export const UNIT_OF_WORK_RETRY: RetryPolicy = { maxAttempts: 10, baseDelayMs: 2, maxDelayMs: 50 };

/**
 * Runs `decide` in a transaction (`uow`: load and lock through it, throw a domain error to
 * refuse) and commits its decisions with it, retrying the whole of it on a concurrency conflict
 * (when the transaction is its own).
 * `decide` locks the streams it will write before it reads them (`lockStreams`).
 */
export function runUnitOfWork<T>(
  ctx: HandlerContext,
  decide: (
    uow: HandlerContext,
  ) => Promise<{ readonly decisions: readonly StreamDecision[]; readonly result: T }>,
  retry: RetryPolicy = UNIT_OF_WORK_RETRY,
): Promise<T> {
  // Its own transaction is run again on a conflict; inside a consumer's, the consumer runs the
  // whole message again.
  return ctx.transaction(
    async (uow) => {
      const { decisions, result } = await decide(uow);
      const appends: StreamAppend[] = decisions
        .filter((decision) => decision.events.length > 0)
        .map(({ stream, events, loadedVersion }) => ({ stream, events, expectedVersion: loadedVersion }))
        // PostgreSQL locks each stream as the transaction reaches it: two orders naming the
        // same products in opposite order would each hold one and wait for the other (a
        // deadlock, a 500). In stream-name order every unit of work locks in the same order.
        .toSorted((a, b) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0));
      if (appends.length > 0) await uow.store.events.appendToStreams(appends, appendOptionsFrom(uow));
      return result;
    },
    { retry },
  );
}
