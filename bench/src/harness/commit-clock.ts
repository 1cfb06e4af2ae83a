/**
 * When did a projection's writes become visible? The daemon applies a batch inside
 * `store.transaction(...)` and its documents are visible to every reader once that call has
 * returned, that is, once COMMIT has been acknowledged. `CommitClock` hands the daemon a view of
 * the store whose `transaction` notes that moment, and the projection's handlers report the
 * events they apply (`applied`); the clock then tells, per committed transaction, which events
 * it carried and when it committed. Handlers find their transaction through
 * AsyncLocalStorage, so concurrent shards are told apart without relying on what the daemon
 * passes them.
 *
 * The cost to the daemon: one `AsyncLocalStorage.run` per batch and one `getStore()` and array
 * push per event (well under 1 % of a batch).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Store } from '@whizbang/core';
import { wallClock } from './paced-writer.js';

export class CommitClock {
  readonly store: Store;
  /** Events applied and committed so far. */
  committed = 0;
  readonly #open = new AsyncLocalStorage<number[]>();
  #listeners: ((seqs: readonly number[], at: number) => void)[] = [];

  constructor(target: Store) {
    const transaction: Store['transaction'] = async (work) => {
      const applied: number[] = [];
      const result = await target.transaction((tx) => this.#open.run(applied, () => work(tx)));
      const at = wallClock();
      this.committed += applied.length;
      for (const listener of this.#listeners) listener(applied, at);
      return result;
    };
    this.store = new Proxy(target, {
      get(store, property) {
        if (property === 'transaction') return transaction;
        const value: unknown = Reflect.get(store, property, store);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(store) : value;
      },
    });
  }

  /** Called by a handler for each event it applies; `seq` identifies the event (or 0). */
  applied(seq = 0): void {
    this.#open.getStore()?.push(seq);
  }

  /** Hears every commit: the events it carried, and when. */
  onCommit(listener: (seqs: readonly number[], at: number) => void): () => void {
    this.#listeners.push(listener);
    return () => (this.#listeners = this.#listeners.filter((l) => l !== listener));
  }

  /** Resolves with the wall-clock time of the commit that brought `committed` to `count`. */
  reached(count: number): Promise<number> {
    return new Promise((resolve) => {
      if (this.committed >= count) return resolve(wallClock());
      const off = this.onCommit((_, at) => {
        if (this.committed < count) return;
        off();
        resolve(at);
      });
    });
  }
}
