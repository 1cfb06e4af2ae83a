/** SQL read models in memory: rows per table, tenant and key, with the same checks and order as SQL. */
import { StateError } from '../errors/catalog.js';
import { compareCodePoints } from '../store/document-query-eval.js';
import type { SelectOptions, TableStore } from '../store/ports.js';
import type { TableDefinition } from '../store/table-definition.js';
import { checkKeys, checkRows, checkSelect, checkTable, decodeRow } from '../store/table-input.js';
import type { Access } from './access.js';
import type { Draft } from './draft.js';
import type { TableRowRecord } from './state.js';

const rowKey = (table: string, tenantId: string, key: string) => `${table}\u0000${tenantId}\u0000${key}`;

/** Compares two column values as SQL would here: nulls last, numbers and text in their order. */
function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
  return Number(a) < Number(b) ? -1 : Number(a) > Number(b) ? 1 : 0;
}

export class MemoryTables implements TableStore {
  constructor(readonly access: Access) {}

  #definition(draft: Draft, table: TableDefinition, subject: string): TableDefinition {
    const checked = checkTable(table, subject);
    const migrated = draft.tableDefinitions.get(checked.name);
    if (!migrated)
      throw new StateError(`Table '${checked.name}' does not exist: call tables.migrate() first`);
    return checked;
  }

  async migrate(table: TableDefinition): Promise<void> {
    const checked = checkTable(table, 'tables.migrate');
    await this.access.write((draft) => {
      const current = draft.tableDefinitions.get(checked.name);
      // Like ALTER TABLE … ADD COLUMN: known columns stay, new ones join.
      const columns = { ...checked.columns, ...current?.columns };
      draft.tableDefinitions.put(checked.name, { ...checked, columns });
    });
  }

  async getMany<R>(
    table: TableDefinition<R>,
    keys: readonly string[],
    options: { readonly tenantId?: string } = {},
  ): Promise<R[]> {
    const tenantId = checkKeys(keys, options, 'tables.getMany');
    const draft = this.access.read();
    const checked = this.#definition(draft, table, 'tables.getMany');
    return keys.flatMap((key) => {
      const record = draft.tableRows.get(rowKey(checked.name, tenantId, key));
      return record ? [this.#decode(checked, record) as R] : [];
    });
  }

  async upsertMany<R>(
    table: TableDefinition<R>,
    rows: readonly R[],
    options: { readonly tenantId?: string } = {},
  ): Promise<void> {
    const tenantId = checkKeys([], options, 'tables.upsertMany');
    const checked = checkRows(checkTable(table, 'tables.upsertMany'), rows, 'tables.upsertMany');
    await this.access.write((draft) => {
      const definition = this.#definition(draft, table, 'tables.upsertMany');
      for (const { key, values } of checked)
        draft.tableRows.put(rowKey(definition.name, tenantId, key), { tenantId, key, values });
    });
  }

  async deleteMany(
    table: TableDefinition,
    keys: readonly string[],
    options: { readonly tenantId?: string } = {},
  ): Promise<number> {
    const tenantId = checkKeys(keys, options, 'tables.deleteMany');
    return this.access.write((draft) => {
      const definition = this.#definition(draft, table, 'tables.deleteMany');
      let deleted = 0;
      for (const key of new Set(keys)) {
        const id = rowKey(definition.name, tenantId, key);
        if (!draft.tableRows.get(id)) continue;
        draft.tableRows.put(id, null);
        deleted++;
      }
      return deleted;
    });
  }

  async select<R>(table: TableDefinition<R>, options: SelectOptions = {}): Promise<R[]> {
    const draft = this.access.read();
    const { where, orderBy, limit, tenantId } = checkSelect(
      checkTable(table, 'tables.select'),
      options,
      'tables.select',
    );
    // Like the SQL drivers, which only learn the table is missing when the query runs.
    const definition = this.#definition(draft, table, 'tables.select');
    const valueOf = (record: TableRowRecord, column: string) =>
      column === definition.key ? record.key : (record.values[column] ?? null);
    const prefix = rowKey(definition.name, tenantId, '');
    return [...draft.tableRows.merged()]
      .filter(([id, record]) => id.startsWith(prefix) && where.every(([c, v]) => valueOf(record, c) === v))
      .map(([, record]) => record)
      .toSorted((a, b) => {
        for (const [column, direction] of orderBy) {
          const x = valueOf(a, column);
          const y = valueOf(b, column);
          // Nulls last either way, as the SQL drivers sort them.
          const order =
            x === null || y === null
              ? compareValues(x, y)
              : compareValues(x, y) * (direction === 'desc' ? -1 : 1);
          if (order !== 0) return order;
        }
        return compareCodePoints(a.key, b.key);
      })
      .slice(0, limit)
      .map((record) => this.#decode(definition, record) as R);
  }

  async drop(table: TableDefinition): Promise<void> {
    const checked = checkTable(table, 'tables.drop');
    await this.access.write((draft) => {
      draft.tableDefinitions.put(checked.name, null);
      for (const id of draft.tableRows.merged().keys())
        if (id.startsWith(`${checked.name}\u0000`)) draft.tableRows.put(id, null);
    });
  }

  #decode(table: TableDefinition, record: TableRowRecord): unknown {
    return decodeRow(table, record.key, record.values);
  }
}
