/**
 * Querying read-model documents: filters on JSON fields, sorting, offset and keyset paging,
 * counting, and the indexes a collection declares. Every driver gives the same answers: the
 * rules below are checked by the document conformance suite.
 *
 * - A field is a dotted path into the document (`'customer.id'`).
 * - A comparison matches only fields of the operand's JSON type: `{ total: { gt: 10 } }` never
 *   matches a document whose `total` is a string. Strings compare by Unicode code point,
 *   whatever the database's locale.
 * - `ne` and `notIn` also match documents where the field is missing or of another type;
 *   `{ field: null }` matches a missing field or JSON null, as does `{ exists: false }`.
 * - Sorting puts documents without a value of the sort field's type last, in either direction;
 *   ties are broken by id, so every order is total and keyset paging never skips or repeats.
 */
import type { StoredDocument } from './ports.js';

/** The JSON types a field can be filtered and sorted as. */
export type FieldType = 'string' | 'number' | 'boolean';

export type FieldValue = string | number | boolean;

/** Conditions on one field; several in one object must all hold. */
export interface FieldCondition {
  readonly eq?: FieldValue | null;
  readonly ne?: FieldValue | null;
  readonly gt?: string | number;
  readonly gte?: string | number;
  readonly lt?: string | number;
  readonly lte?: string | number;
  /** Values of one type. */
  readonly in?: readonly FieldValue[];
  readonly notIn?: readonly FieldValue[];
  /** Present and not null (true), or missing or null (false). */
  readonly exists?: boolean;
  readonly startsWith?: string;
}

/** Field paths to a value (equality) or to conditions; all must hold. */
export type DocumentFilter = Readonly<Record<string, FieldValue | null | FieldCondition>>;

export type SortDirection = 'asc' | 'desc';

/**
 * One sort key. The type says which values order the documents (others sort last); it may be
 * left out when the collection declares the field.
 */
export interface SortKey {
  readonly field: string;
  readonly direction?: SortDirection;
  readonly type?: FieldType;
}

export interface CountOptions {
  readonly where?: DocumentFilter;
  readonly tenantId?: string;
}

export interface FindOptions extends CountOptions {
  /** Sort keys, most significant first; a string is a declared field, ascending. Ids break ties. */
  readonly orderBy?: readonly (string | SortKey)[];
  /** At most this many documents (default 100). */
  readonly limit?: number;
  /** Documents to skip; prefer `after` for deep paging. */
  readonly offset?: number;
  /** The `next` cursor of the previous page, for keyset paging with the same where and order. */
  readonly after?: string;
}

export interface DocumentPage<T> {
  readonly documents: StoredDocument<T>[];
  /** Pass as `after` for the next page; absent on the last page. */
  readonly next?: string;
}

/** An index a collection declares: the fields it covers, in order. */
export type IndexDefinition = readonly string[];

/**
 * A collection's queryable shape: the types of the fields it filters and sorts on, and the
 * indexes that serve those queries. Drivers create the indexes with `documents.createIndexes`.
 */
export interface CollectionDefinition<T = unknown> {
  readonly name: string;
  readonly fields: Readonly<Record<string, FieldType>>;
  readonly indexes: readonly IndexDefinition[];
  /** Carries the document type; never set at run time. */
  readonly __document?: T;
}

/**
 * Declares a collection. Declared fields can be sorted on by name and indexed.
 * @example
 * const OrderSummaries = defineCollection<OrderSummary>('order-summaries', {
 *   fields: { status: 'string', total: 'number', 'customer.id': 'string' },
 *   indexes: [['status', 'total'], ['customer.id']],
 * });
 * await store.documents.createIndexes(OrderSummaries);
 * const page = await store.documents.find(OrderSummaries, { where: { status: 'open' }, orderBy: ['total'] });
 */
export function defineCollection<T = unknown>(
  name: string,
  shape: {
    readonly fields?: Readonly<Record<string, FieldType>>;
    readonly indexes?: readonly IndexDefinition[];
  } = {},
): CollectionDefinition<T> {
  const fields = shape.fields ?? {};
  for (const index of shape.indexes ?? []) {
    for (const field of index) {
      if (fields[field] === undefined) {
        throw new TypeError(
          `Collection '${name}': index field '${field}' must be declared in fields with its type`,
        );
      }
    }
  }
  return Object.freeze({
    name,
    fields: Object.freeze({ ...fields }),
    indexes: Object.freeze([...(shape.indexes ?? [])]),
  });
}

/** A collection by name, or its definition. */
export type CollectionRef<T = unknown> = string | CollectionDefinition<T>;
