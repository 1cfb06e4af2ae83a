/** Read-model documents in memory: JSON text per id, with an optimistic version. */
import { DocumentStoreBase } from '../store/document-patch.js';
import type {
  CollectionDefinition,
  CollectionRef,
  CountOptions,
  DocumentPage,
  FindOptions,
} from '../store/document-query.js';
import {
  compareCodePoints,
  compareKeysets,
  keysetOf,
  matches,
  pageOf,
} from '../store/document-query-eval.js';
import {
  checkCollectionDefinition,
  checkCount,
  checkDocumentDeletions,
  checkDocumentIds,
  checkFind,
  collectionName,
  type NormalizedQuery,
} from '../store/document-query-input.js';
import {
  assertDocumentVersion,
  checkBulkDocuments,
  checkDocumentKey,
  checkLimit,
  checkName,
  encodeDocument,
} from '../store/port-input.js';
import type {
  DocumentDeletion,
  DocumentWrite,
  DocumentWriteOptions,
  StoredDocument,
} from '../store/ports.js';
import type { Access } from './access.js';
import { scopedKey } from './state.js';

export class MemoryDocuments extends DocumentStoreBase {
  constructor(readonly access: Access) {
    super();
  }

  async get<T = unknown>(
    ref: CollectionRef<T>,
    id: string,
    options: { readonly tenantId?: string } = {},
  ): Promise<StoredDocument<T> | undefined> {
    const collection = collectionName(ref);
    const tenantId = checkDocumentKey(collection, id, options, 'documents.get');
    const record = this.access.read().document(scopedKey(tenantId, collection), id);
    return record && { id, version: record.version, data: JSON.parse(record.json) as T };
  }

  async put<T>(
    ref: CollectionRef<T>,
    id: string,
    data: T,
    options: DocumentWriteOptions = {},
  ): Promise<number> {
    const collection = collectionName(ref);
    const tenantId = checkDocumentKey(collection, id, options, 'documents.put');
    const key = scopedKey(tenantId, collection);
    const json = encodeDocument(data, 'documents.put');
    return this.access.write((draft) => {
      const actual = draft.document(key, id)?.version ?? 0;
      assertDocumentVersion(collection, id, options.expectedVersion, actual, tenantId);
      draft.putDocument(key, id, { version: actual + 1, json });
      return actual + 1;
    });
  }

  async delete(ref: CollectionRef, id: string, options: DocumentWriteOptions = {}): Promise<boolean> {
    const collection = collectionName(ref);
    const tenantId = checkDocumentKey(collection, id, options, 'documents.delete');
    const key = scopedKey(tenantId, collection);
    return this.access.write((draft) => {
      const current = draft.document(key, id);
      assertDocumentVersion(collection, id, options.expectedVersion, current?.version ?? 0, tenantId);
      if (!current) return false;
      draft.putDocument(key, id, null);
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
    const records = this.access.read().documents(scopedKey(tenantId, collection));
    const ids = [...records.keys()]
      .filter((id) => options.after === undefined || compareCodePoints(id, options.after) > 0)
      .toSorted(compareCodePoints);
    return ids.slice(0, limit).map((id) => {
      const record = records.get(id)!;
      return { id, version: record.version, data: JSON.parse(record.json) as T };
    });
  }

  async find<T = unknown>(ref: CollectionRef<T>, options: FindOptions = {}): Promise<DocumentPage<T>> {
    const query = checkFind(ref, options);
    const { sort, after, offset, limit } = query;
    const found = this.#matching(query)
      .map((doc) => ({ doc, keyset: keysetOf(sort, doc.id, doc.data) }))
      .filter(({ keyset }) => !after || compareKeysets(sort, keyset, after) > 0)
      .toSorted((a, b) => compareKeysets(sort, a.keyset, b.keyset))
      .slice(offset, offset + limit + 1);
    return pageOf(
      query,
      found.map(({ doc }) => doc as StoredDocument<T>),
    );
  }

  async getMany<T = unknown>(
    ref: CollectionRef<T>,
    ids: readonly string[],
    options: { readonly tenantId?: string } = {},
  ): Promise<StoredDocument<T>[]> {
    const { key } = this.#bulk(ref, ids, options, 'documents.getMany');
    const draft = this.access.read();
    return ids.flatMap((id) => {
      const record = draft.document(key, id);
      return record ? [{ id, version: record.version, data: JSON.parse(record.json) as T }] : [];
    });
  }

  async putMany<T>(
    ref: CollectionRef<T>,
    documents: readonly DocumentWrite<T>[],
    options: { readonly tenantId?: string } = {},
  ): Promise<void> {
    const collection = collectionName(ref);
    const tenantId = checkDocumentKey(collection, undefined, options, 'documents.putMany');
    const key = scopedKey(tenantId, collection);
    const checked = checkBulkDocuments(documents, 'documents.putMany');
    await this.access.write((draft) => {
      const versionOf = (id: string) => draft.document(key, id)?.version ?? 0;
      // Every check before the first write: all or nothing.
      for (const { id, expectedVersion } of checked)
        assertDocumentVersion(collection, id, expectedVersion, versionOf(id), tenantId);
      for (const { id, json } of checked) draft.putDocument(key, id, { version: versionOf(id) + 1, json });
    });
  }

  async deleteMany(
    ref: CollectionRef,
    ids: readonly (string | DocumentDeletion)[],
    options: { readonly tenantId?: string } = {},
  ): Promise<number> {
    const checked = checkDocumentDeletions(ref, ids, options, 'documents.deleteMany');
    const key = scopedKey(checked.tenantId, checked.collection);
    return this.access.write((draft) => {
      for (const [id, expected] of checked.expected ?? [])
        assertDocumentVersion(
          checked.collection,
          id,
          expected,
          draft.document(key, id)?.version ?? 0,
          checked.tenantId,
        );
      let deleted = 0;
      for (const id of checked.ids) {
        if (!draft.document(key, id)) continue;
        draft.putDocument(key, id, null);
        deleted++;
      }
      return deleted;
    });
  }

  #bulk(
    ref: CollectionRef,
    ids: readonly string[],
    options: { readonly tenantId?: string },
    subject: string,
  ) {
    const { collection, tenantId } = checkDocumentIds(ref, ids, options, subject);
    return { key: scopedKey(tenantId, collection) };
  }

  async deleteCollection(ref: CollectionRef): Promise<number> {
    const collection = collectionName(ref);
    checkName(collection, 'collection', 'documents.deleteCollection');
    return this.access.write((draft) => {
      let deleted = 0;
      for (const key of draft.collectionKeys()) {
        if (!key.endsWith(`\u0000${collection}`)) continue;
        for (const id of draft.documents(key).keys()) {
          draft.putDocument(key, id, null);
          deleted++;
        }
      }
      return deleted;
    });
  }

  async count(ref: CollectionRef, options: CountOptions = {}): Promise<number> {
    return this.#matching(checkCount(ref, options)).length;
  }

  async createIndexes(collection: CollectionDefinition): Promise<void> {
    // Nothing to build in memory; the definition is still checked like every driver does.
    checkCollectionDefinition(collection);
  }

  #matching(query: NormalizedQuery): StoredDocument[] {
    const records = this.access.read().documents(scopedKey(query.tenantId, query.collection));
    const out: StoredDocument[] = [];
    for (const [id, record] of records) {
      const data: unknown = JSON.parse(record.json);
      if (matches(query, data)) out.push({ id, version: record.version, data });
    }
    return out;
  }
}
