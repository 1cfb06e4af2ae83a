/**
 * Reading a projection's documents: always from the generation that serves reads, so a
 * rebuild switching generations is invisible to the code that queries.
 */
import type {
  CollectionDefinition,
  CountOptions,
  DocumentPage,
  FindOptions,
} from '../store/document-query.js';
import type { StoreSession, StoredDocument } from '../store/ports.js';
import type { Projection } from './define-projection.js';
import { generationCollection } from './generations.js';
import { activeGeneration } from './projection-registry.js';

export interface ReadModel<S> {
  /** The collection serving reads now (it changes when a rebuild switches generations). */
  collection(): Promise<CollectionDefinition<S>>;
  get(id: string, options?: { readonly tenantId?: string }): Promise<StoredDocument<S> | undefined>;
  getMany(ids: readonly string[], options?: { readonly tenantId?: string }): Promise<StoredDocument<S>[]>;
  find(options?: FindOptions): Promise<DocumentPage<S>>;
  count(options?: CountOptions): Promise<number>;
  list(options?: {
    readonly after?: string;
    readonly limit?: number;
    readonly tenantId?: string;
  }): Promise<StoredDocument<S>[]>;
}

/**
 * The documents of a projection, to query.
 * @example
 * const summaries = readModel(app.store, orderSummaries);
 * const open = await summaries.find({ where: { status: 'placed' }, orderBy: [{ field: 'placedAt', direction: 'desc' }] });
 */
export function readModel<S>(session: StoreSession, projection: Projection<S>): ReadModel<S> {
  const { documents } = session;
  // Looked up on every read (one key lookup), so a switch is seen by the very next query.
  // Only async projections have generations; inline ones are written where they are declared.
  const collection = async (): Promise<CollectionDefinition<S>> =>
    projection.lifecycle === 'async'
      ? (generationCollection(
          projection,
          await activeGeneration(session, projection),
        ) as CollectionDefinition<S>)
      : projection.collection;
  return {
    collection,
    get: async (id, options) => documents.get(await collection(), id, options),
    getMany: async (ids, options) => documents.getMany(await collection(), ids, options),
    find: async (options) => documents.find(await collection(), options),
    count: async (options) => documents.count(await collection(), options),
    list: async (options) => documents.list(await collection(), options),
  };
}
