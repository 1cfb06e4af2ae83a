/** The table store as a handler for one tenant sees it: that tenant's rows only. */
import type { ReadManyOptions, SelectOptions, TableStore } from '../store/ports.js';
import type { TableDefinition } from '../store/table-definition.js';
import { refuse, withTenant } from './tenant-scope.js';

export class ScopedTableStore implements TableStore {
  constructor(
    readonly inner: TableStore,
    readonly tenantId: string,
  ) {}

  /** Adds what is missing to the table's shape, never a row: allowed. */
  migrate(table: TableDefinition): Promise<void> {
    return this.inner.migrate(table);
  }
  async getMany<R>(
    table: TableDefinition<R>,
    keys: readonly string[],
    options?: ReadManyOptions,
  ): Promise<R[]> {
    return this.inner.getMany(table, keys, withTenant(this.tenantId, options, 'tables.getMany'));
  }
  async upsertMany<R>(
    table: TableDefinition<R>,
    rows: readonly R[],
    options?: { readonly tenantId?: string },
  ): Promise<void> {
    return this.inner.upsertMany(table, rows, withTenant(this.tenantId, options, 'tables.upsertMany'));
  }
  async deleteMany(
    table: TableDefinition,
    keys: readonly string[],
    options?: { readonly tenantId?: string },
  ): Promise<number> {
    return this.inner.deleteMany(table, keys, withTenant(this.tenantId, options, 'tables.deleteMany'));
  }
  async select<R>(table: TableDefinition<R>, options?: SelectOptions): Promise<R[]> {
    return this.inner.select(table, withTenant(this.tenantId, options, 'tables.select'));
  }
  /** Drops every tenant's rows: system only. */
  async drop(_table: TableDefinition): Promise<void> {
    return refuse(this.tenantId, 'tables.drop');
  }
}
