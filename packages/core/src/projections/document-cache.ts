/**
 * The documents a daemon shard last wrote, kept between batches so the next batch need not
 * read them back. Safe because every write of the shard is checked against the version cached
 * here: a document changed by anyone else (a dead-letter replay, an operator) fails the batch's
 * write, the runner forgets the cache, and the batch runs again on what is stored.
 *
 * A handler must see exactly what a read from the store would give it (no `Date` where the
 * store holds a string, no property the store would drop). A document that JSON gives back
 * unchanged is kept as the object itself, handed to the next batch without a copy: the batch
 * that wrote it is done with it, and a batch that fails clears the cache. Any other document is
 * kept as its JSON text and parsed afresh when used.
 */
import { roundTripsAsJson } from '../event-store/strict-json.js';

/** A document as its shard last wrote it. */
export interface CachedDocument {
  readonly tenantId: string;
  readonly id: string;
  /** The stored version; 0 once deleted. */
  readonly version: number;
  /** The document as stored (undefined once deleted): the object, or its JSON text. */
  readonly kept: { readonly object: unknown } | { readonly json: string } | undefined;
}

/** What to cache of a document just written (`state` undefined: deleted). */
export function cachedDocument(
  tenantId: string,
  id: string,
  version: number,
  state: unknown,
): CachedDocument {
  const kept =
    state === undefined
      ? undefined
      : roundTripsAsJson(state)
        ? { object: state }
        : { json: JSON.stringify(state) };
  return { tenantId, id, version, kept };
}

/** The document a cached one stands for, as a read from the store would give it. */
export function cachedState(document: CachedDocument): unknown {
  const { kept } = document;
  if (kept === undefined) return undefined;
  return 'object' in kept ? kept.object : JSON.parse(kept.json);
}

const keyOf = (tenantId: string, id: string) => `${tenantId}\u0000${id}`;

export class DocumentCache {
  readonly #entries = new Map<string, CachedDocument>();

  /** @param capacity The most documents kept; the least recently written go first. */
  constructor(readonly capacity: number) {}

  get size(): number {
    return this.#entries.size;
  }

  get(tenantId: string, id: string): CachedDocument | undefined {
    return this.#entries.get(keyOf(tenantId, id));
  }

  /** Records what a committed batch wrote, and forgets what it read but may have changed. */
  remember(
    documents: Iterable<CachedDocument>,
    forgotten: Iterable<{ readonly tenantId: string; readonly id: string }> = [],
  ): void {
    if (this.capacity === 0) return;
    for (const { tenantId, id } of forgotten) this.#entries.delete(keyOf(tenantId, id));
    for (const document of documents) {
      const key = keyOf(document.tenantId, document.id);
      // Re-inserted at the end: the map's order is the order of last writes.
      this.#entries.delete(key);
      this.#entries.set(key, document);
    }
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= this.capacity) break;
      this.#entries.delete(key);
    }
  }

  /** After a failed batch, a lost lease or a conflict: nothing cached can be trusted. */
  clear(): void {
    this.#entries.clear();
  }
}
