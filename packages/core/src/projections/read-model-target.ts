/**
 * Where a projection's read model lives: documents in a collection, or rows in an SQL table.
 * The projection machinery loads, saves and removes states through this, so a handler sees
 * the same thing either way: the current state of one id.
 */
import type { CollectionDefinition } from '../store/document-query.js';
import type { StoreSession } from '../store/ports.js';
import type { TableDefinition } from '../store/table-definition.js';

export type ReadModelTarget =
  | { readonly kind: 'documents'; readonly collection: CollectionDefinition }
  | { readonly kind: 'table'; readonly table: TableDefinition };

export interface StoredState {
  readonly id: string;
  readonly data: unknown;
  /**
   * Documents: the stored version (0: absent). Read back with the state; given to a write, it
   * is checked (the write fails with `DocumentConflictError` if the document moved on). Rows
   * in tables have no version.
   */
  readonly version?: number | undefined;
}

export function targetName(target: ReadModelTarget): string {
  return target.kind === 'documents' ? target.collection.name : target.table.name;
}

/** The states with these ids that exist (at most 10,000 ids); `lock` holds them for the transaction. */
export async function loadStates(
  session: StoreSession,
  target: ReadModelTarget,
  tenantId: string,
  ids: readonly string[],
  lock = false,
): Promise<StoredState[]> {
  if (target.kind === 'documents')
    return session.documents.getMany(target.collection, ids, { tenantId, lock });
  const { table } = target;
  const rows = await session.tables.getMany(table, ids, { tenantId, lock });
  return rows.map((row) => ({ id: (row as Record<string, unknown>)[table.key] as string, data: row }));
}

/** Writes states (at most 10,000), documents checked at their versions; a row's key column is set from its id. */
export async function saveStates(
  session: StoreSession,
  target: ReadModelTarget,
  tenantId: string,
  states: readonly StoredState[],
): Promise<void> {
  if (target.kind === 'documents')
    return session.documents.putMany(
      target.collection,
      states.map(({ id, data, version }) =>
        version === undefined
          ? { id, data }
          : { id, data, expectedVersion: version === 0 ? 'none' : version },
      ),
      { tenantId },
    );
  const { table } = target;
  await session.tables.upsertMany(
    table,
    states.map(({ id, data }) => ({ ...(data as Record<string, unknown>), [table.key]: id })),
    { tenantId },
  );
}

export async function removeStates(
  session: StoreSession,
  target: ReadModelTarget,
  tenantId: string,
  states: readonly StoredState[],
): Promise<void> {
  if (target.kind === 'documents')
    await session.documents.deleteMany(
      target.collection,
      states.map(({ id, version }) => (version ? { id, expectedVersion: version } : id)),
      { tenantId },
    );
  else
    await session.tables.deleteMany(
      target.table,
      states.map(({ id }) => id),
      { tenantId },
    );
}

/** Creates what the read model needs before the first write: a table, or declared indexes. */
export async function prepareTarget(session: StoreSession, target: ReadModelTarget): Promise<void> {
  if (target.kind === 'table') await session.tables.migrate(target.table);
  else if (target.collection.indexes.length > 0) await session.documents.createIndexes(target.collection);
}

/** Deletes a retired read model: its documents, or its table. */
export async function dropTarget(session: StoreSession, target: ReadModelTarget): Promise<void> {
  if (target.kind === 'documents') await session.documents.deleteCollection(target.collection);
  else await session.tables.drop(target.table);
}
