/** Read-model documents on PostgreSQL: jsonb per (tenant, collection, id), with a version. */
import {
  DocumentConflictError,
  ValidationError,
  type DocumentStore,
  type DocumentWriteOptions,
  type StoredDocument,
} from '@whizbang/core';
import { encodeJson, tenantOf } from '@whizbang/core/driver';
import type { Executor } from './executor.js';

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
    checkName(collection, 'collection', 'documents.get');
    checkName(id, 'id', 'documents.get');
    const tenantId = tenantOf(options.tenantId, 'documents.get');
    const { rows } = await this.executor.query(
      `SELECT id, version, data FROM ${this.#s}.documents WHERE tenant_id = $1 AND collection = $2 AND id = $3`,
      [tenantId, collection, id],
    );
    const row = rows[0] as { id: string; version: string; data: T } | undefined;
    return row && { id: row.id, version: Number(row.version), data: row.data };
  }

  async put<T>(collection: string, id: string, data: T, options: DocumentWriteOptions = {}): Promise<number> {
    checkName(collection, 'collection', 'documents.put');
    checkName(id, 'id', 'documents.put');
    checkExpected(options.expectedVersion, 'documents.put');
    const tenantId = tenantOf(options.tenantId, 'documents.put');
    const issues: { message: string; path?: (string | number)[] }[] = [];
    const json = encodeJson(data, ['data'], issues, Number.MAX_SAFE_INTEGER);
    if (json === undefined) throw new ValidationError(issues, 'documents.put');
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
    checkName(collection, 'collection', 'documents.delete');
    checkName(id, 'id', 'documents.delete');
    checkExpected(options.expectedVersion, 'documents.delete');
    const tenantId = tenantOf(options.tenantId, 'documents.delete');
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
    checkName(collection, 'collection', 'documents.list');
    const limit = options.limit ?? 100;
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new ValidationError(
        [{ message: 'must be an integer of at least 1', path: ['limit'] }],
        'documents.list',
      );
    const tenantId = tenantOf(options.tenantId, 'documents.list');
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
