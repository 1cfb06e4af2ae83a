/**
 * Turns a normalised document query into SQL for a driver's dialect. The rules match the
 * in-memory evaluator (`document-query-eval.ts`): typed field expressions are NULL for values
 * of another type, NULLs sort last in both directions, and ids break ties in code-point order.
 * Index definitions use the same field expressions, so the database can match them.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../errors/catalog.js';
import type { CollectionDefinition, FieldType, FieldValue } from './document-query.js';
import { fieldPath, type FieldPredicate, type Keyset, type NormalizedQuery } from './document-query-input.js';

export interface DocumentSqlDialect {
  /** The field's value when it has the JSON type, else NULL. Paths are checked names only. */
  field(path: readonly string[], type: FieldType): string;
  /** True when the field is missing or JSON null. */
  missing(path: readonly string[]): string;
  /** The placeholder for parameter number `index` (1-based) holding a value of `type`. */
  placeholder(index: number, type: FieldType): string;
  /** The parameter value for a JSON value (SQLite has no booleans). */
  encode(value: FieldValue): unknown;
  /** True when the string expression starts with the string parameter. */
  startsWith(expression: string, parameter: string): string;
  /** The id column in code-point order. */
  readonly id: string;
}

export interface CompiledQuery {
  /** Conditions to AND into the statement's WHERE; `TRUE` when there are none. */
  readonly where: string;
  /** The ORDER BY list. */
  readonly orderBy: string;
  readonly params: unknown[];
}

/** A string literal; collection names are inlined so partial indexes can match. */
export function sqlLiteral(value: string): string {
  if (value.includes('\u0000')) {
    throw new ValidationError(
      [{ message: 'must not contain NUL characters', path: ['collection'] }],
      'documents',
    );
  }
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * Compiles `query`; `params` holds the statement's parameters so far (tenant, collection, ...)
 * and receives the query's.
 */
export function compileDocumentQuery(
  dialect: DocumentSqlDialect,
  query: NormalizedQuery,
  params: unknown[],
): CompiledQuery {
  const bind = (value: FieldValue, type: FieldType) => {
    params.push(dialect.encode(value));
    return dialect.placeholder(params.length, type);
  };
  const conditions = query.predicates.map((p) => predicateSql(dialect, p, bind));
  if (query.after) conditions.push(afterSql(dialect, query, query.after, bind));
  const orderBy = [
    ...query.sort.map((k) => `${dialect.field(k.path, k.type)} ${k.descending ? 'DESC' : 'ASC'} NULLS LAST`),
    `${dialect.id} ASC`,
  ].join(', ');
  return { where: conditions.length > 0 ? conditions.join(' AND ') : 'TRUE', orderBy, params };
}

type Bind = (value: FieldValue, type: FieldType) => string;

function predicateSql(dialect: DocumentSqlDialect, p: FieldPredicate, bind: Bind): string {
  if (p.op === 'missing') return dialect.missing(p.path);
  if (p.op === 'exists') return `NOT ${dialect.missing(p.path)}`;
  const type = p.type!;
  const field = dialect.field(p.path, type);
  const list = () => p.values.map((v) => bind(v, type)).join(', ');
  switch (p.op) {
    case 'eq':
      return `${field} = ${bind(p.values[0]!, type)}`;
    case 'ne':
      return `(${field} IS NULL OR ${field} <> ${bind(p.values[0]!, type)})`;
    case 'in':
      return `${field} IN (${list()})`;
    case 'notIn':
      return `(${field} IS NULL OR ${field} NOT IN (${list()}))`;
    case 'startsWith':
      return dialect.startsWith(field, bind(p.values[0]!, type));
    default: {
      const operator = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[p.op];
      return `${field} ${operator} ${bind(p.values[0]!, type)}`;
    }
  }
}

/**
 * Documents after the keyset: for each sort key i, equal on the keys before it and after it
 * on key i (a later value, or NULL after any value), or equal on all keys and a later id.
 */
function afterSql(dialect: DocumentSqlDialect, query: NormalizedQuery, after: Keyset, bind: Bind): string {
  const branches: string[] = [];
  const equal: string[] = [];
  for (const [i, key] of query.sort.entries()) {
    const field = dialect.field(key.path, key.type);
    const value = after.values[i] ?? null;
    if (value !== null) {
      branches.push(
        [
          ...equal,
          `(${field} ${key.descending ? '<' : '>'} ${bind(value, key.type)} OR ${field} IS NULL)`,
        ].join(' AND '),
      );
    }
    equal.push(value === null ? `${field} IS NULL` : `${field} = ${bind(value, key.type)}`);
  }
  branches.push([...equal, `${dialect.id} > ${bind(after.id, 'string')}`].join(' AND '));
  return `(${branches.map((b) => `(${b})`).join(' OR ')})`;
}

/** An index of a collection: a stable name and its field expressions, in order. */
export interface DocumentIndexSql {
  readonly name: string;
  readonly expressions: readonly string[];
}

/** The indexes a collection declares, in the dialect; names are stable across processes. */
export function documentIndexes(
  dialect: DocumentSqlDialect,
  definition: CollectionDefinition,
): DocumentIndexSql[] {
  return definition.indexes.map((index) => {
    const expressions = index.map((field) => dialect.field(fieldPath(field)!, definition.fields[field]!));
    const hash = createHash('sha256')
      .update(JSON.stringify([definition.name, expressions]))
      .digest('hex')
      .slice(0, 16);
    return { name: `documents_ix_${hash}`, expressions };
  });
}
