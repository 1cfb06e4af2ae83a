/** Read-model documents on SQLite: JSON text per (tenant, collection, id), with a version. */
import type {
  CollectionDefinition,
  CollectionRef,
  CountOptions,
  DocumentDeletion,
  DocumentPage,
  DocumentWrite,
  DocumentWriteOptions,
  FindOptions,
  StoredDocument,
} from '@whizbang/core';
import {
  assertDocumentVersion,
  checkBulkDocuments,
  checkCollectionDefinition,
  checkCount,
  checkDocumentKey,
  checkFind,
  checkDocumentDeletions,
  checkDocumentIds,
  checkLimit,
  checkName,
  collectionName,
  compileDocumentQuery,
  documentIndexes,
  encodeDocument,
  DocumentStoreBase,
  pageOf,
  sqlLiteral,
  type DocumentSqlDialect,
  type NormalizedQuery,
} from '@whizbang/core/driver';
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { Executor } from './executor.js';

const jsonPath = (path: readonly string[]) => `'$.${path.map((segment) => `"${segment}"`).join('.')}'`;
const JSON_TYPES = { string: "= 'text'", number: "IN ('integer', 'real')", boolean: "IN ('true', 'false')" };

/** Document queries in SQLite: `json_type`/`json_extract`; text compares as UTF-8 bytes. */
const dialect: DocumentSqlDialect = {
  field: (path, type) =>
    `(CASE WHEN json_type(data, ${jsonPath(path)}) ${JSON_TYPES[type]} THEN json_extract(data, ${jsonPath(path)}) END)`,
  missing: (path) => `coalesce(json_type(data, ${jsonPath(path)}), 'null') = 'null'`,
  placeholder: (index) => `?${index}`,
  encode: (value) => (typeof value === 'boolean' ? Number(value) : value),
  startsWith: (expression, parameter) => `substr(${expression}, 1, length(${parameter})) = ${parameter}`,
  id: 'id',
};

interface DocumentRow {
  id: string;
  version: bigint;
  data: string;
}

const SELECT_VERSION = 'SELECT version FROM documents WHERE tenant_id = ? AND collection = ? AND id = ?';
// Bulk calls pass their ids (or [id, json] pairs) as one JSON array parameter: one statement
// for up to MAX_BULK rows, and one cached statement whatever the count.
const GET_MANY = `SELECT id, version, data FROM documents
  WHERE tenant_id = ? AND collection = ? AND id IN (SELECT value FROM json_each(?))`;
const GET_VERSIONS = `SELECT id, version FROM documents
  WHERE tenant_id = ? AND collection = ? AND id IN (SELECT value FROM json_each(?))`;
const DELETE_MANY = `DELETE FROM documents
  WHERE tenant_id = ? AND collection = ? AND id IN (SELECT value FROM json_each(?))`;
// `WHERE true` lets SQLite parse the upsert after a SELECT; `version` on the right is the old row's.
const PUT_MANY = `INSERT INTO documents (tenant_id, collection, id, version, data, updated_at)
  SELECT ?1, ?2, value ->> 0, 1, value ->> 1, ?3 FROM json_each(?4) WHERE true
  ON CONFLICT (tenant_id, collection, id) DO UPDATE SET version = version + 1, data = excluded.data,
    updated_at = excluded.updated_at`;

/** The statement `find` runs; exported for the tests that check it uses declared indexes. */
export function findStatement(query: NormalizedQuery): { text: string; params: SQLInputValue[] } {
  const { where, orderBy, params } = compileDocumentQuery(dialect, query, [query.tenantId]);
  params.push(query.limit + 1, query.offset);
  return {
    text: `SELECT id, version, data FROM documents WHERE tenant_id = ?1 AND collection = ${sqlLiteral(query.collection)}
            AND ${where} ORDER BY ${orderBy} LIMIT ?${params.length - 1} OFFSET ?${params.length}`,
    params: params as SQLInputValue[],
  };
}

export class SqliteDocuments extends DocumentStoreBase {
  constructor(readonly executor: Executor) {
    super();
  }

  async get<T = unknown>(
    ref: CollectionRef<T>,
    id: string,
    options: { readonly tenantId?: string } = {},
  ): Promise<StoredDocument<T> | undefined> {
    const collection = collectionName(ref);
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

  async put<T>(
    ref: CollectionRef<T>,
    id: string,
    data: T,
    options: DocumentWriteOptions = {},
  ): Promise<number> {
    const collection = collectionName(ref);
    const tenantId = checkDocumentKey(collection, id, options, 'documents.put');
    const json = encodeDocument(data, 'documents.put');
    return this.executor.write(({ db }) => {
      const statement = (sql: string) => this.executor.connections.statement(db, sql);
      const current = statement(SELECT_VERSION).get(tenantId, collection, id) as
        { version: bigint } | undefined;
      const actual = current ? Number(current.version) : 0;
      assertDocumentVersion(collection, id, options.expectedVersion, actual, tenantId);
      statement(
        `INSERT INTO documents (tenant_id, collection, id, version, data, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (tenant_id, collection, id) DO UPDATE SET version = excluded.version, data = excluded.data, updated_at = excluded.updated_at`,
      ).run(tenantId, collection, id, actual + 1, json, Date.now());
      return actual + 1;
    });
  }

  async delete(ref: CollectionRef, id: string, options: DocumentWriteOptions = {}): Promise<boolean> {
    const collection = collectionName(ref);
    const tenantId = checkDocumentKey(collection, id, options, 'documents.delete');
    return this.executor.write(({ db }) => {
      const statement = (sql: string) => this.executor.connections.statement(db, sql);
      const current = statement(SELECT_VERSION).get(tenantId, collection, id) as
        { version: bigint } | undefined;
      assertDocumentVersion(
        collection,
        id,
        options.expectedVersion,
        current ? Number(current.version) : 0,
        tenantId,
      );
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
    ref: CollectionRef<T>,
    options: { readonly after?: string; readonly limit?: number; readonly tenantId?: string } = {},
  ): Promise<StoredDocument<T>[]> {
    const collection = collectionName(ref);
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

  async find<T = unknown>(ref: CollectionRef<T>, options: FindOptions = {}): Promise<DocumentPage<T>> {
    const query = checkFind(ref, options);
    const { text, params } = findStatement(query);
    const rows = await this.executor.read(
      (db) => this.executor.connections.statement(db, text).all(...params) as unknown as DocumentRow[],
    );
    return pageOf(
      query,
      rows.map((row) => ({ id: row.id, version: Number(row.version), data: JSON.parse(row.data) as T })),
    );
  }

  async getMany<T = unknown>(
    ref: CollectionRef<T>,
    ids: readonly string[],
    options: { readonly tenantId?: string } = {},
  ): Promise<StoredDocument<T>[]> {
    const { collection, tenantId } = checkDocumentIds(ref, ids, options, 'documents.getMany');
    const rows = await this.executor.read(
      (db) =>
        this.executor.connections
          .statement(db, GET_MANY)
          .all(tenantId, collection, JSON.stringify(ids)) as unknown as DocumentRow[],
    );
    const byId = new Map(
      rows.map((row) => [
        row.id,
        { id: row.id, version: Number(row.version), data: JSON.parse(row.data) as T },
      ]),
    );
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async putMany<T>(
    ref: CollectionRef<T>,
    documents: readonly DocumentWrite<T>[],
    options: { readonly tenantId?: string } = {},
  ): Promise<void> {
    const collection = collectionName(ref);
    const tenantId = checkDocumentKey(collection, undefined, options, 'documents.putMany');
    const checked = checkBulkDocuments(documents, 'documents.putMany');
    const expected = new Map(
      checked.flatMap(({ id, expectedVersion }) =>
        expectedVersion === undefined ? [] : [[id, expectedVersion]],
      ),
    );
    // Each document's JSON travels as a string, so it is stored exactly as encoded.
    const rows = JSON.stringify(checked.map(({ id, json }) => [id, json]));
    await this.executor.write(({ db }) => {
      this.#checkVersions(db, tenantId, collection, expected);
      this.executor.connections.statement(db, PUT_MANY).run(tenantId, collection, Date.now(), rows);
    });
  }

  async deleteMany(
    ref: CollectionRef,
    ids: readonly (string | DocumentDeletion)[],
    options: { readonly tenantId?: string } = {},
  ): Promise<number> {
    const checked = checkDocumentDeletions(ref, ids, options, 'documents.deleteMany');
    const { collection, tenantId } = checked;
    const { changes } = await this.executor.write(({ db }) => {
      if (checked.expected) this.#checkVersions(db, tenantId, collection, checked.expected);
      return this.executor.connections
        .statement(db, DELETE_MANY)
        .run(tenantId, collection, JSON.stringify(checked.ids));
    });
    return Number(changes);
  }

  /** Throws `DocumentConflictError` for the first document not at its expected version. */
  #checkVersions(
    db: DatabaseSync,
    tenantId: string,
    collection: string,
    expected: ReadonlyMap<string, number | 'none'>,
  ): void {
    if (expected.size === 0) return;
    const rows = this.executor.connections
      .statement(db, GET_VERSIONS)
      .all(tenantId, collection, JSON.stringify([...expected.keys()])) as unknown as {
      id: string;
      version: bigint;
    }[];
    const actual = new Map(rows.map((row) => [row.id, Number(row.version)]));
    for (const [id, version] of expected)
      assertDocumentVersion(collection, id, version, actual.get(id) ?? 0, tenantId);
  }

  async deleteCollection(ref: CollectionRef): Promise<number> {
    const collection = collectionName(ref);
    checkName(collection, 'collection', 'documents.deleteCollection');
    const { changes } = await this.executor.write(({ db }) =>
      this.executor.connections.statement(db, 'DELETE FROM documents WHERE collection = ?').run(collection),
    );
    return Number(changes);
  }

  async count(ref: CollectionRef, options: CountOptions = {}): Promise<number> {
    const query = checkCount(ref, options);
    const { where, params } = compileDocumentQuery(dialect, query, [query.tenantId]);
    const row = await this.executor.read(
      (db) =>
        this.executor.connections
          .statement(
            db,
            `SELECT count(*) AS n FROM documents WHERE tenant_id = ?1 AND collection = ${sqlLiteral(query.collection)} AND ${where}`,
          )
          .get(...(params as SQLInputValue[])) as { n: bigint },
    );
    return Number(row.n);
  }

  async createIndexes(collection: CollectionDefinition): Promise<void> {
    checkCollectionDefinition(collection);
    const literal = sqlLiteral(collection.name);
    await this.executor.write(({ db }) => {
      for (const index of documentIndexes(dialect, collection)) {
        db.exec(
          `CREATE INDEX IF NOT EXISTS ${index.name} ON documents (tenant_id, ${index.expressions.join(', ')})
            WHERE collection = ${literal}`,
        );
      }
    });
  }
}
