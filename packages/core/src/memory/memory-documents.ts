/** Read-model documents in memory: JSON text per id, with an optimistic version. */
import { checkDocumentKey, checkLimit, assertDocumentVersion, encodeDocument } from '../store/port-input.js';
import type { DocumentStore, DocumentWriteOptions, StoredDocument } from '../store/ports.js';
import type { Access } from './access.js';
import { scopedKey } from './state.js';

export class MemoryDocuments implements DocumentStore {
  constructor(readonly access: Access) {}

  async get<T = unknown>(
    collection: string,
    id: string,
    options: { readonly tenantId?: string } = {},
  ): Promise<StoredDocument<T> | undefined> {
    const tenantId = checkDocumentKey(collection, id, options, 'documents.get');
    const record = this.access.read().document(scopedKey(tenantId, collection), id);
    return record && { id, version: record.version, data: JSON.parse(record.json) as T };
  }

  async put<T>(collection: string, id: string, data: T, options: DocumentWriteOptions = {}): Promise<number> {
    const key = scopedKey(checkDocumentKey(collection, id, options, 'documents.put'), collection);
    const json = encodeDocument(data, 'documents.put');
    return this.access.write((draft) => {
      const actual = draft.document(key, id)?.version ?? 0;
      assertDocumentVersion(collection, id, options.expectedVersion, actual);
      draft.putDocument(key, id, { version: actual + 1, json });
      return actual + 1;
    });
  }

  async delete(collection: string, id: string, options: DocumentWriteOptions = {}): Promise<boolean> {
    const key = scopedKey(checkDocumentKey(collection, id, options, 'documents.delete'), collection);
    return this.access.write((draft) => {
      const current = draft.document(key, id);
      assertDocumentVersion(collection, id, options.expectedVersion, current?.version ?? 0);
      if (!current) return false;
      draft.putDocument(key, id, null);
      return true;
    });
  }

  async list<T = unknown>(
    collection: string,
    options: { readonly after?: string; readonly limit?: number; readonly tenantId?: string } = {},
  ): Promise<StoredDocument<T>[]> {
    const tenantId = checkDocumentKey(collection, undefined, options, 'documents.list');
    const limit = checkLimit(options.limit, 'documents.list');
    const records = this.access.read().documents(scopedKey(tenantId, collection));
    const ids = [...records.keys()]
      .filter((id) => options.after === undefined || id > options.after)
      .toSorted();
    return ids.slice(0, limit).map((id) => {
      const record = records.get(id)!;
      return { id, version: record.version, data: JSON.parse(record.json) as T };
    });
  }
}
