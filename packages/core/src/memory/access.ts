/**
 * How the in-memory ports reach the state: outside a transaction every write is its own
 * transaction (lock, draft, commit); inside one, reads and writes share the transaction's draft.
 */
import { StateError } from '../errors/catalog.js';
import { Draft } from './draft.js';
import type { MemoryState } from './state.js';

export interface Access {
  /** The view reads go through. */
  read(): Draft;
  /** Runs a write against a draft that commits with its transaction. */
  write<T>(work: (draft: Draft) => T | Promise<T>): Promise<T>;
}

function assertOpen(state: MemoryState): void {
  if (state.closed) throw new StateError('The memory store is closed');
}

/** Each write commits on its own, under the store's writer lock. */
export function autocommitAccess(state: MemoryState): Access {
  const committed = new Draft(state); // never written to: a view of committed state
  return {
    read() {
      assertOpen(state);
      return committed;
    },
    write(work) {
      assertOpen(state);
      // The transaction holds the writer lock until its body returns, so this write would
      // wait for ever: fail loudly instead.
      if (state.inTransaction.getStore()?.active) {
        return Promise.reject(
          new StateError('Inside store.transaction(), write through the tx argument, not through the store'),
        );
      }
      return state.exclusive(async () => {
        const draft = new Draft(state);
        const result = await work(draft);
        draft.commit();
        return result;
      });
    },
  };
}

/** Reads and writes of one transaction; the caller holds the lock and commits the draft. */
export function transactionAccess(draft: Draft, isActive: () => boolean): Access {
  const check = () => {
    assertOpen(draft.state);
    if (!isActive())
      throw new StateError('The transaction has ended; use the store, not the transaction, after it');
  };
  return {
    read() {
      check();
      return draft;
    },
    async write(work) {
      check();
      return work(draft);
    },
  };
}
