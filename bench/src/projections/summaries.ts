/**
 * The workload of the projections benchmark, shared by every system: the log (deposits into
 * accounts), the summary each account's document keeps, and the check that a run counted every
 * event exactly once.
 */
import { defineProjection, readModel, type Projection, type Store } from '@whizbang/core';
import { summarize, type RawEvent, type Summary } from '../baselines/raw-projector-pg.js';
import type { CommitClock } from '../harness/commit-clock.js';

export interface Deposit {
  readonly stream: string;
  readonly events: { type: 'Deposited'; data: { amount: number; note: string } }[];
}

/**
 * The log: `perAppend` events to each of `streams` streams in turn, round after round, so
 * consecutive events belong to different documents; event `seq` deposits `seq % 100 + 1`.
 */
export function* deposits(total: number, streams: number, perAppend: number): Generator<Deposit> {
  for (let first = 0; first < total; first += perAppend) {
    const events = Array.from({ length: Math.min(perAppend, total - first) }, (_, i) => ({
      type: 'Deposited' as const,
      data: { amount: ((first + i) % 100) + 1, note: 'benchmark event' },
    }));
    yield { stream: `account-${(first / perAppend) % streams}`, events };
  }
}

export interface Totals {
  readonly count: number;
  readonly sum: number;
}

/** Throws unless the documents of a run add up to every event of the log, once. */
export function checkTotals(system: string, got: Totals, total: number): void {
  let sum = 0;
  for (let seq = 0; seq < total; seq++) sum += (seq % 100) + 1;
  if (got.count !== total || got.sum !== sum)
    throw new Error(
      `${system}: the documents count ${got.count} events summing to ${got.sum}, expected ${total} and ${sum}`,
    );
}

/**
 * The summaries projection on Whizbang: one document per stream. Its handler tells `clock`
 * which event it applied, so the benchmark knows when each event's document was committed.
 */
export function summaries(name: string, partitions: number, clock: CommitClock, type = 'Deposited') {
  return defineProjection<Summary>({
    name,
    partitions,
    initialState: () => ({ count: 0, sum: 0, lastVersion: 0 }),
    handlers: {
      [type]: (doc: Summary, event: { streamVersion: number; data: unknown }) => {
        const data = event.data as RawEvent['data'];
        clock.applied(data.seq);
        return summarize(doc, { stream: '', version: event.streamVersion, data });
      },
    },
  });
}

/** Count and sum over a projection's documents, read through its read model. */
export async function totalsOf(store: Store, projection: Projection<Summary>): Promise<Totals> {
  const documents = readModel(store, projection);
  const totals = { count: 0, sum: 0 };
  let after: string | undefined;
  for (;;) {
    const page = await documents.list({
      limit: 1000,
      ...(after !== undefined && { after }),
    });
    for (const doc of page) {
      totals.count += doc.data.count;
      totals.sum += doc.data.sum;
    }
    if (page.length < 1000) return totals;
    after = page[page.length - 1]!.id;
  }
}
