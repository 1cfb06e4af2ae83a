/** Read-model documents on PostgreSQL: jsonb per (tenant, collection, id), with a version. */
import {
  DocumentConflictError,
  type DocumentStore,
  type DocumentWriteOptions,
  type StoredDocument,
} from '@whizbang/core';
import { checkDocumentKey, checkLimit, encodeDocument } from '@whizbang/core/driver';
import type { Executor } from './executor.js';

export class PostgresDocuments implements DocumentStore {
  constructor(readonly executor: Executor) {}

  get #s(): string {
    return this.executor.db.s;
  }

  async get<T = unknown>(
    collection: string,
    id: string,
    options: { readonly tenantId?: string } = {},
  ): Promise<StoredDocument<T> | undefined> {
    const tenantId = checkDocumentKey(collection, id, options, 'documents.get');
    const { rows } = await this.executor.query(
      `SELECT id, version, data FROM ${this.#s}.documents WHERE tenant_id = $1 AND collection = $2 AND id = $3`,
      [tenantId, collection, id],
    );
    const row = rows[0] as { id: string; version: string; data: T } | undefined;
    return row && { id: row.id, version: Number(row.version), data: row.data };
  }

  async put<T>(collection: string, id: string, data: T, options: DocumentWriteOptions = {}): Promise<number> {
    const tenantId = checkDocumentKey(collection, id, options, 'documents.put');
    const json = encodeDocument(data, 'documents.put');
    const expected = options.expectedVersion;
    // One statement per case, so the version check and the write cannot be split by another writer.
    const { rows } =
      expected === undefined
        ? await this.executor.query(
            `INSERT INTO ${this.#s}.documents (tenant_id, collection, id, version, data) VALUES ($1, $2, $3, 1, $4::jsonb)
             ON CONFLICT (tenant_id, collection, id) DO UPDATE SET version = documents.version + 1, data = excluded.data, updated_at = now()
             RETURNING version`,
            [tenantId, collection, id, json],
          )
        : expected === 'none'
          ? await this.executor.query(
              `INSERT INTO ${this.#s}.documents (tenant_id, collection, id, version, data) VALUES ($1, $2, $3, 1, $4::jsonb)
               ON CONFLICT DO NOTHING RETURNING version`,
              [tenantId, collection, id, json],
            )
          : await this.executor.query(
              `UPDATE ${this.#s}.documents SET version = version + 1, data = $4::jsonb, updated_at = now()
                WHERE tenant_id = $1 AND collection = $2 AND id = $3 AND version = $5 RETURNING version`,
              [tenantId, collection, id, json, expected],
            );
    if (rows.length === 1) return Number((rows[0] as { version: string }).version);
    throw new DocumentConflictError(collection, id, expected!, await this.#version(tenantId, collection, id));
  }

  async delete(collection: string, id: string, options: DocumentWriteOptions = {}): Promise<boolean> {
    const tenantId = checkDocumentKey(collection, id, options, 'documents.delete');
    const expected = options.expectedVersion;
    if (expected === 'none') {
      const actual = await this.#version(tenantId, collection, id);
      if (actual !== 0) throw new DocumentConflictError(collection, id, expected, actual);
      return false;
    }
    const { rowCount } = await this.executor.query(
      `DELETE FROM ${this.#s}.documents WHERE tenant_id = $1 AND collection = $2 AND id = $3 AND ($4::bigint IS NULL OR version = $4::bigint)`,
      [tenantId, collection, id, expected ?? null],
    );
    if (rowCount === 1) return true;
    if (expected === undefined) return false;
    throw new DocumentConflictError(collection, id, expected, await this.#version(tenantId, collection, id));
  }

  async list<T = unknown>(
    collection: string,
    options: { readonly after?: string; readonly limit?: number; readonly tenantId?: string } = {},
  ): Promise<StoredDocument<T>[]> {
    const tenantId = checkDocumentKey(collection, undefined, options, 'documents.list');
    const limit = checkLimit(options.limit, 'documents.list');
    // COLLATE "C": byte order, the same order as every other driver, whatever the database locale.
    const { rows } = await this.executor.query(
      `SELECT id, version, data FROM ${this.#s}.documents
        WHERE tenant_id = $1 AND collection = $2 AND ($3::text IS NULL OR id COLLATE "C" > $3::text)
        ORDER BY id COLLATE "C" LIMIT $4`,
      [tenantId, collection, options.after ?? null, limit],
    );
    return (rows as { id: string; version: string; data: T }[]).map((row) => ({
      id: row.id,
      version: Number(row.version),
      data: row.data,
    }));
  }

  async #version(tenantId: string, collection: string, id: string): Promise<number> {
    const { rows } = await this.executor.query(
      `SELECT version FROM ${this.#s}.documents WHERE tenant_id = $1 AND collection = $2 AND id = $3`,
      [tenantId, collection, id],
    );
    return rows.length === 1 ? Number((rows[0] as { version: string }).version) : 0;
  }
}
