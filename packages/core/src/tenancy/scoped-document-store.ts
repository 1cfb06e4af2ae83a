/** The document store as a handler for one tenant sees it: that tenant's documents only. */
import type {
  CollectionDefinition,
  CollectionRef,
  CountOptions,
  DocumentPage,
  FindOptions,
} from '../store/document-query.js';
import type {
  DocumentDeletion,
  DocumentStore,
  DocumentWrite,
  DocumentWriteOptions,
  ReadManyOptions,
  StoredDocument,
} from '../store/ports.js';
import { refuse, withTenant } from './tenant-scope.js';

export class ScopedDocumentStore implements DocumentStore {
  constructor(
    readonly inner: DocumentStore,
    readonly tenantId: string,
  ) {}

  async get<T = unknown>(
    collection: CollectionRef<T>,
    id: string,
    options?: { readonly tenantId?: string },
  ): Promise<StoredDocument<T> | undefined> {
    return this.inner.get(collection, id, withTenant(this.tenantId, options, 'documents.get'));
  }
  async put<T>(
    collection: CollectionRef<T>,
    id: string,
    data: T,
    options?: DocumentWriteOptions,
  ): Promise<number> {
    return this.inner.put(collection, id, data, withTenant(this.tenantId, options, 'documents.put'));
  }
  async patch<T>(
    collection: CollectionRef<T>,
    id: string,
    patch: Readonly<Record<string, unknown>>,
    options?: DocumentWriteOptions,
  ): Promise<number> {
    return this.inner.patch(collection, id, patch, withTenant(this.tenantId, options, 'documents.patch'));
  }
  async delete(collection: CollectionRef, id: string, options?: DocumentWriteOptions): Promise<boolean> {
    return this.inner.delete(collection, id, withTenant(this.tenantId, options, 'documents.delete'));
  }
  async list<T = unknown>(
    collection: CollectionRef<T>,
    options?: { readonly after?: string; readonly limit?: number; readonly tenantId?: string },
  ): Promise<StoredDocument<T>[]> {
    return this.inner.list(collection, withTenant(this.tenantId, options, 'documents.list'));
  }
  async find<T = unknown>(collection: CollectionRef<T>, options?: FindOptions): Promise<DocumentPage<T>> {
    return this.inner.find(collection, withTenant(this.tenantId, options, 'documents.find'));
  }
  async getMany<T = unknown>(
    collection: CollectionRef<T>,
    ids: readonly string[],
    options?: ReadManyOptions,
  ): Promise<StoredDocument<T>[]> {
    return this.inner.getMany(collection, ids, withTenant(this.tenantId, options, 'documents.getMany'));
  }
  async putMany<T>(
    collection: CollectionRef<T>,
    documents: readonly DocumentWrite<T>[],
    options?: { readonly tenantId?: string },
  ): Promise<void> {
    return this.inner.putMany(collection, documents, withTenant(this.tenantId, options, 'documents.putMany'));
  }
  async deleteMany(
    collection: CollectionRef,
    ids: readonly (string | DocumentDeletion)[],
    options?: { readonly tenantId?: string },
  ): Promise<number> {
    return this.inner.deleteMany(collection, ids, withTenant(this.tenantId, options, 'documents.deleteMany'));
  }
  /** Deletes in every tenant: system only. */
  async deleteCollection(_collection: CollectionRef): Promise<number> {
    return refuse(this.tenantId, 'documents.deleteCollection');
  }
  async count(collection: CollectionRef, options?: CountOptions): Promise<number> {
    return this.inner.count(collection, withTenant(this.tenantId, options, 'documents.count'));
  }
  /** Indexes hold no rows of their own and creating them is idempotent: allowed. */
  createIndexes(collection: CollectionDefinition): Promise<void> {
    return this.inner.createIndexes(collection);
  }
}
