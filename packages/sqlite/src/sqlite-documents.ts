/** Read-model documents on SQLite: JSON text per (tenant, collection, id), with a version. */
import {
  DocumentConflictError,
  ValidationError,
  type DocumentStore,
  type DocumentWriteOptions,
  type StoredDocument,
} from '@whizbang/core';
import { encodeJson, tenantOf } from '@whizbang/core/driver';
import type { Executor } from './executor.js';

interface DocumentRow {
  id: string;
  version: bigint;
  data: string;
}

function checkName(value: unknown, name: string, subject: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > 250) {
    throw new ValidationError(
      [{ message: 'must be a non-empty string of at most 250 characters', path: [name] }],
      subject,
    );
  }
}

function checkExpected(expected: unknown, subject: string): void {
  if (
    expected === undefined ||
    expected === 'none' ||
    (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 1)
  )
    return;
  throw new ValidationError(
    [{ message: "must be a version of at least 1 or 'none'", path: ['expectedVersion'] }],
    subject,
  );
}

const SELECT_VERSION = 'SELECT version FROM documents WHERE tenant_id = ? AND collection = ? AND id = ?';

export class SqliteDocuments implements DocumentStore {
  constructor(readonly executor: Executor) {}

  async get<T = unknown>(
    collection: string,
    id: string,
    options: { readonly tenantId?: string } = {},
  ): Promise<StoredDocument<T> | undefined> {
    checkName(collection, 'collection', 'documents.get');
    checkName(id, 'id', 'documents.get');
    const tenantId = tenantOf(options.tenantId, 'documents.get');
    const row = await this.executor.read(
      (db) =>
        this.executor.connections
          .statement(
            db,
            'SELECT id, version, data FROM documents WHERE tenant_id = ? AND collection = ? AND id = ?',
          )
          .get(tenantId, collection, id) as DocumentRow | undefined,
    );
    return row && { id: row.id, version: Number(row.version), data: JSON.parse(row.data) as T };
  }

  async put<T>(collection: string, id: string, data: T, options: DocumentWriteOptions = {}): Promise<number> {
    checkName(collection, 'collection', 'documents.put');
    checkName(id, 'id', 'documents.put');
    checkExpected(options.expectedVersion, 'documents.put');
    const tenantId = tenantOf(options.tenantId, 'documents.put');
    const issues: { message: string; path?: (string | number)[] }[] = [];
    const json = encodeJson(data, ['data'], issues, Number.MAX_SAFE_INTEGER);
    if (json === undefined) throw new ValidationError(issues, 'documents.put');
    return this.executor.write(({ db }) => {
      const statement = (sql: string) => this.executor.connections.statement(db, sql);
      const current = statement(SELECT_VERSION).get(tenantId, collection, id) as
        { version: bigint } | undefined;
      const actual = current ? Number(current.version) : 0;
      this.#check(collection, id, options.expectedVersion, actual);
      statement(
        `INSERT INTO documents (tenant_id, collection, id, version, data, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (tenant_id, collection, id) DO UPDATE SET version = excluded.version, data = excluded.data, updated_at = excluded.updated_at`,
      ).run(tenantId, collection, id, actual + 1, json, Date.now());
      return actual + 1;
    });
  }

  async delete(collection: string, id: string, options: DocumentWriteOptions = {}): Promise<boolean> {
    checkName(collection, 'collection', 'documents.delete');
    checkName(id, 'id', 'documents.delete');
    checkExpected(options.expectedVersion, 'documents.delete');
    const tenantId = tenantOf(options.tenantId, 'documents.delete');
    return this.executor.write(({ db }) => {
      const statement = (sql: string) => this.executor.connections.statement(db, sql);
      const current = statement(SELECT_VERSION).get(tenantId, collection, id) as
        { version: bigint } | undefined;
      this.#check(collection, id, options.expectedVersion, current ? Number(current.version) : 0);
      if (!current) return false;
      statement('DELETE FROM documents WHERE tenant_id = ? AND collection = ? AND id = ?').run(
        tenantId,
        collection,
        id,
      );
      return true;
    });
  }

  async list<T = unknown>(
    collection: string,
    options: { readonly after?: string; readonly limit?: number; readonly tenantId?: string } = {},
  ): Promise<StoredDocument<T>[]> {
    checkName(collection, 'collection', 'documents.list');
    const limit = options.limit ?? 100;
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new ValidationError(
        [{ message: 'must be an integer of at least 1', path: ['limit'] }],
        'documents.list',
      );
    const tenantId = tenantOf(options.tenantId, 'documents.list');
    const rows = await this.executor.read(
      (db) =>
        this.executor.connections
          .statement(
            db,
            'SELECT id, version, data FROM documents WHERE tenant_id = ? AND collection = ? AND id > ? ORDER BY id LIMIT ?',
          )
          .all(tenantId, collection, options.after ?? '', limit) as unknown as DocumentRow[],
    );
    return rows.map((row) => ({ id: row.id, version: Number(row.version), data: JSON.parse(row.data) as T }));
  }

  #check(collection: string, id: string, expected: number | 'none' | undefined, actual: number): void {
    if (expected === undefined) return;
    if (expected === 'none' ? actual !== 0 : expected !== actual)
      throw new DocumentConflictError(collection, id, expected, actual);
  }
}
