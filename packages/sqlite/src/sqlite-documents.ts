/** Read-model documents on SQLite: JSON text per (tenant, collection, id), with a version. */
import type { DocumentStore, DocumentWriteOptions, StoredDocument } from '@whizbang/core';
import { assertDocumentVersion, checkDocumentKey, checkLimit, encodeDocument } from '@whizbang/core/driver';
import type { Executor } from './executor.js';

interface DocumentRow {
  id: string;
  version: bigint;
  data: string;
}

const SELECT_VERSION = 'SELECT version FROM documents WHERE tenant_id = ? AND collection = ? AND id = ?';

export class SqliteDocuments implements DocumentStore {
  constructor(readonly executor: Executor) {}

  async get<T = unknown>(
    collection: string,
    id: string,
    options: { readonly tenantId?: string } = {},
  ): Promise<StoredDocument<T> | undefined> {
    const tenantId = checkDocumentKey(collection, id, options, 'documents.get');
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
    const tenantId = checkDocumentKey(collection, id, options, 'documents.put');
    const json = encodeDocument(data, 'documents.put');
    return this.executor.write(({ db }) => {
      const statement = (sql: string) => this.executor.connections.statement(db, sql);
      const current = statement(SELECT_VERSION).get(tenantId, collection, id) as
        { version: bigint } | undefined;
      const actual = current ? Number(current.version) : 0;
      assertDocumentVersion(collection, id, options.expectedVersion, actual);
      statement(
        `INSERT INTO documents (tenant_id, collection, id, version, data, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (tenant_id, collection, id) DO UPDATE SET version = excluded.version, data = excluded.data, updated_at = excluded.updated_at`,
      ).run(tenantId, collection, id, actual + 1, json, Date.now());
      return actual + 1;
    });
  }

  async delete(collection: string, id: string, options: DocumentWriteOptions = {}): Promise<boolean> {
    const tenantId = checkDocumentKey(collection, id, options, 'documents.delete');
    return this.executor.write(({ db }) => {
      const statement = (sql: string) => this.executor.connections.statement(db, sql);
      const current = statement(SELECT_VERSION).get(tenantId, collection, id) as
        { version: bigint } | undefined;
      assertDocumentVersion(collection, id, options.expectedVersion, current ? Number(current.version) : 0);
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
    const tenantId = checkDocumentKey(collection, undefined, options, 'documents.list');
    const limit = checkLimit(options.limit, 'documents.list');
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
}
