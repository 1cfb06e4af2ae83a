/** Read-model documents in memory: JSON text per id, with an optimistic version. */
import { DocumentConflictError, ValidationError } from '../errors/catalog.js';
import { tenantOf } from '../event-store/read-input.js';
import type { DocumentStore, DocumentWriteOptions, StoredDocument } from '../store/ports.js';
import type { Access } from './access.js';
import { scopedKey } from './state.js';

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

export class MemoryDocuments implements DocumentStore {
  constructor(readonly access: Access) {}

  async get<T = unknown>(
    collection: string,
    id: string,
    options: { readonly tenantId?: string } = {},
  ): Promise<StoredDocument<T> | undefined> {
    checkName(collection, 'collection', 'documents.get');
    checkName(id, 'id', 'documents.get');
    const record = this.access
      .read()
      .document(scopedKey(tenantOf(options.tenantId, 'documents.get'), collection), id);
    return record && { id, version: record.version, data: JSON.parse(record.json) as T };
  }

  async put<T>(collection: string, id: string, data: T, options: DocumentWriteOptions = {}): Promise<number> {
    checkName(collection, 'collection', 'documents.put');
    checkName(id, 'id', 'documents.put');
    checkExpected(options.expectedVersion, 'documents.put');
    const key = scopedKey(tenantOf(options.tenantId, 'documents.put'), collection);
    let json: string | undefined;
    try {
      json = JSON.stringify(data);
    } catch (error) {
      throw new ValidationError(
        [{ message: error instanceof Error ? error.message : String(error), path: ['data'] }],
        'documents.put',
      );
    }
    if (json === undefined)
      throw new ValidationError([{ message: 'must be JSON-serialisable', path: ['data'] }], 'documents.put');
    return this.access.write((draft) => {
      const current = draft.document(key, id);
      this.#check(collection, id, options.expectedVersion, current?.version ?? 0);
      const version = (current?.version ?? 0) + 1;
      draft.putDocument(key, id, { version, json });
      return version;
    });
  }

  async delete(collection: string, id: string, options: DocumentWriteOptions = {}): Promise<boolean> {
    checkName(collection, 'collection', 'documents.delete');
    checkName(id, 'id', 'documents.delete');
    checkExpected(options.expectedVersion, 'documents.delete');
    const key = scopedKey(tenantOf(options.tenantId, 'documents.delete'), collection);
    return this.access.write((draft) => {
      const current = draft.document(key, id);
      this.#check(collection, id, options.expectedVersion, current?.version ?? 0);
      if (!current) return false;
      draft.putDocument(key, id, null);
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
    const records = this.access
      .read()
      .documents(scopedKey(tenantOf(options.tenantId, 'documents.list'), collection));
    const ids = [...records.keys()]
      .filter((id) => options.after === undefined || id > options.after)
      .toSorted();
    return ids.slice(0, limit).map((id) => {
      const record = records.get(id)!;
      return { id, version: record.version, data: JSON.parse(record.json) as T };
    });
  }

  #check(collection: string, id: string, expected: number | 'none' | undefined, actual: number): void {
    if (expected === undefined) return;
    if (expected === 'none' ? actual !== 0 : expected !== actual)
      throw new DocumentConflictError(collection, id, expected, actual);
  }
}
