/**
 * The documents a daemon shard last wrote, kept between batches so the next batch need not
 * read them back. Safe because every write of the shard is checked against the version cached
 * here: a document changed by anyone else (a dead-letter replay, an operator) fails the batch's
 * write, the runner forgets the cache, and the batch runs again on what is stored.
 *
 * Documents are kept as the JSON that was written and parsed afresh when used, so a handler
 * sees exactly what a read from the store would give it (no shared objects, no `Date` where
 * the store holds a string).
 */

/** A document as its shard last wrote it. */
export interface CachedDocument {
  readonly tenantId: string;
  readonly id: string;
  /** The stored version; 0 once deleted. */
  readonly version: number;
  /** The document as stored; undefined once deleted. */
  readonly json: string | undefined;
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

  /** Records what a committed batch wrote. */
  remember(documents: Iterable<CachedDocument>): void {
    if (this.capacity === 0) return;
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
