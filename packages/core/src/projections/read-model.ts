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
import { StateError } from '../errors/catalog.js';
import type { SelectOptions, StoreSession, StoredDocument } from '../store/ports.js';
import type { TableDefinition } from '../store/table-definition.js';
import type { Projection } from './define-projection.js';
import { generationCollection, generationTarget } from './generations.js';
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
  if (projection.table)
    throw new StateError(
      `Projection '${projection.name}' keeps its rows in table '${projection.table.name}': read it with readTable`,
    );
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

export interface TableReadModel<S> {
  /** The table serving reads now (it changes when a rebuild switches generations). */
  table(): Promise<TableDefinition<S>>;
  getMany(keys: readonly string[], options?: { readonly tenantId?: string }): Promise<S[]>;
  select(options?: SelectOptions): Promise<S[]>;
}

/**
 * The rows of a projection kept in an SQL table, to query without SQL. With SQL, query the
 * table named by `await readTable(store, p).table()` (its `name`) directly.
 * @example
 * const totals = await readTable(app.store, orderTotals).select({ where: { customer: 'c-1' } });
 */
export function readTable<S>(session: StoreSession, projection: Projection<S>): TableReadModel<S> {
  if (!projection.table)
    throw new StateError(
      `Projection '${projection.name}' keeps documents, not a table: read it with readModel`,
    );
  const declared = projection.table;
  const table = async (): Promise<TableDefinition<S>> => {
    if (projection.lifecycle !== 'async') return declared;
    const target = generationTarget(projection, await activeGeneration(session, projection));
    return (target.kind === 'table' ? target.table : declared) as TableDefinition<S>;
  };
  return {
    table,
    getMany: async (keys, options) => session.tables.getMany(await table(), keys, options),
    select: async (options) => session.tables.select(await table(), options),
  };
}
