/**
 * `documents.patch` for every driver: a JSON merge patch applied to the stored document and
 * written back with the version it was read at, so a concurrent write is never overwritten.
 */
import { DocumentNotFoundError, isDocumentConflictError, ValidationError } from '../errors/catalog.js';
import type {
  CollectionDefinition,
  CollectionRef,
  CountOptions,
  DocumentPage,
  FindOptions,
} from './document-query.js';
import { collectionName } from './document-query-input.js';
import type {
  DocumentDeletion,
  DocumentStore,
  DocumentWrite,
  DocumentWriteOptions,
  StoredDocument,
} from './ports.js';
import { checkDocumentKey } from './port-input.js';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** RFC 7396: objects merge key by key, `null` removes a key, any other value replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** How often a patch without an expected version re-reads after a concurrent write. */
const PATCH_ATTEMPTS = 10;

export async function patchDocument(
  documents: Pick<DocumentStore, 'get' | 'put'>,
  ref: CollectionRef,
  id: string,
  patch: Readonly<Record<string, unknown>>,
  options: DocumentWriteOptions = {},
): Promise<number> {
  const collection = collectionName(ref);
  const tenantId = checkDocumentKey(collection, id, options, 'documents.patch');
  if (!isObject(patch)) {
    throw new ValidationError(
      [{ message: 'must be an object (a JSON merge patch)', path: ['patch'] }],
      'documents.patch',
    );
  }
  const tenant = options.tenantId === undefined ? {} : { tenantId: options.tenantId };
  for (let attempt = 1; ; attempt++) {
    const current = await documents.get(collection, id, tenant);
    if (!current) throw new DocumentNotFoundError(collection, id, tenantId);
    const expectedVersion = options.expectedVersion ?? current.version;
    try {
      return await documents.put(collection, id, mergePatch(current.data, patch), {
        ...tenant,
        expectedVersion,
      });
    } catch (error) {
      if (
        options.expectedVersion !== undefined ||
        attempt >= PATCH_ATTEMPTS ||
        !isDocumentConflictError(error)
      ) {
        throw error;
      }
    }
  }
}

/** What a driver's document store builds on: `patch` comes from `get` and `put`. */
export abstract class DocumentStoreBase implements DocumentStore {
  abstract get<T = unknown>(
    collection: CollectionRef<T>,
    id: string,
    options?: { readonly tenantId?: string },
  ): Promise<StoredDocument<T> | undefined>;
  abstract put<T>(
    collection: CollectionRef<T>,
    id: string,
    data: T,
    options?: DocumentWriteOptions,
  ): Promise<number>;
  abstract delete(collection: CollectionRef, id: string, options?: DocumentWriteOptions): Promise<boolean>;
  abstract list<T = unknown>(
    collection: CollectionRef<T>,
    options?: { readonly after?: string; readonly limit?: number; readonly tenantId?: string },
  ): Promise<StoredDocument<T>[]>;
  abstract find<T = unknown>(collection: CollectionRef<T>, options?: FindOptions): Promise<DocumentPage<T>>;
  abstract getMany<T = unknown>(
    collection: CollectionRef<T>,
    ids: readonly string[],
    options?: { readonly tenantId?: string },
  ): Promise<StoredDocument<T>[]>;
  abstract putMany<T>(
    collection: CollectionRef<T>,
    documents: readonly DocumentWrite<T>[],
    options?: { readonly tenantId?: string },
  ): Promise<void>;
  abstract deleteMany(
    collection: CollectionRef,
    ids: readonly (string | DocumentDeletion)[],
    options?: { readonly tenantId?: string },
  ): Promise<number>;
  abstract deleteCollection(collection: CollectionRef): Promise<number>;
  abstract count(collection: CollectionRef, options?: CountOptions): Promise<number>;
  abstract createIndexes(collection: CollectionDefinition): Promise<void>;

  patch<T>(
    collection: CollectionRef<T>,
    id: string,
    patch: Readonly<Record<string, unknown>>,
    options?: DocumentWriteOptions,
  ): Promise<number> {
    return patchDocument(this, collection, id, patch, options);
  }
}
