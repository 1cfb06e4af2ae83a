/**
 * Input checks for the document, checkpoint and snapshot ports, shared by every driver so they
 * refuse the same input with the same `ValidationError`.
 */
import { DocumentConflictError, ValidationError, type ValidationIssue } from '../errors/catalog.js';
import { encodeJson } from '../event-store/append-input.js';
import { assertStreamName } from '../event-store/append-input.js';
import { tenantOf } from '../event-store/read-input.js';
import type { LogPosition } from '../event-store/types.js';
import type {
  DeadLetterListOptions,
  DocumentDeletion,
  DocumentWrite,
  LeaseOptions,
  LeaseToken,
  NewDeadLetter,
  Snapshot,
} from './ports.js';

/** Throws unless `value` is a non-empty name of at most 250 characters. */
export function checkName(value: unknown, name: string, subject: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 250) {
    throw new ValidationError(
      [{ message: 'must be a non-empty string of at most 250 characters', path: [name] }],
      subject,
    );
  }
}

const isVersion = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;

function checkExpectedVersion(expected: unknown, path: string, subject: string, none = true): void {
  if (expected === undefined || isVersion(expected) || (none && expected === 'none')) return;
  throw new ValidationError(
    [{ message: `must be a version of at least 1${none ? " or 'none'" : ''}`, path: [path] }],
    subject,
  );
}

/** Checks a document's collection, id and expected version; returns its tenant. */
export function checkDocumentKey(
  collection: unknown,
  id: unknown,
  options: { readonly tenantId?: string; readonly expectedVersion?: unknown },
  subject: string,
): string {
  checkName(collection, 'collection', subject);
  if (id !== undefined) checkName(id, 'id', subject);
  checkExpectedVersion(options.expectedVersion, 'expectedVersion', subject);
  return tenantOf(options.tenantId, subject);
}

/** Serialises document data, refusing what would not read back as written. */
export function encodeDocument(data: unknown, subject: string): string {
  const issues: ValidationIssue[] = [];
  const json = encodeJson(data, ['data'], issues, Number.MAX_SAFE_INTEGER);
  if (json === undefined) throw new ValidationError(issues, subject);
  return json;
}

/** Throws `DocumentConflictError` unless a document at `actual` (0 = absent) satisfies `expected`. */
export function assertDocumentVersion(
  collection: string,
  id: string,
  expected: number | 'none' | undefined,
  actual: number,
  tenantId?: string,
): void {
  if (expected === undefined) return;
  if (expected === 'none' ? actual !== 0 : expected !== actual)
    throw new DocumentConflictError(collection, id, expected, actual, tenantId);
}

/** Checks a checkpoint name and the positions of a compare-and-set. */
export function checkCheckpoint(
  name: unknown,
  positions: Readonly<Record<string, unknown>>,
  subject: string,
): void {
  checkName(name, 'name', subject);
  for (const [path, value] of Object.entries(positions)) {
    if (value === undefined && path === 'expected') continue;
    const p = value as LogPosition | undefined;
    if (typeof p?.commit !== 'bigint' || typeof p.position !== 'bigint' || p.commit < 0n || p.position < 0n) {
      throw new ValidationError(
        [{ message: 'must be a LogPosition { commit: bigint, position: bigint }', path: [path] }],
        subject,
      );
    }
  }
}

/** Checks a snapshot to save; returns its tenant and its state as JSON. */
export function checkSnapshot(
  snapshot: Omit<Snapshot, 'createdAt' | 'tenantId'> & { readonly tenantId?: string },
): { tenantId: string; stateJson: string } {
  const subject = 'snapshots.save';
  assertStreamName(snapshot.stream, subject);
  const tenantId = tenantOf(snapshot.tenantId, subject);
  for (const field of ['version', 'schemaVersion'] as const) {
    const value = snapshot[field];
    if (!Number.isSafeInteger(value) || value < 1)
      throw new ValidationError([{ message: 'must be an integer of at least 1', path: [field] }], subject);
  }
  const stateJson = JSON.stringify(snapshot.state);
  if (stateJson === undefined)
    throw new ValidationError([{ message: 'must be JSON-serialisable', path: ['state'] }], subject);
  return { tenantId, stateJson };
}

/** Checks a `list` limit (default 100). */
export function checkLimit(limit: unknown, subject: string): number {
  const value = limit ?? 100;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new ValidationError([{ message: 'must be an integer of at least 1', path: ['limit'] }], subject);
  }
  return value;
}

/** The most documents or ids one bulk call takes. */
export const MAX_BULK = 10_000;

/** Checks the ids of `getMany`/`deleteMany`. */
export function checkIds(ids: unknown, subject: string): asserts ids is readonly string[] {
  if (!Array.isArray(ids) || ids.length > MAX_BULK)
    throw new ValidationError(
      [{ message: `must be an array of at most ${MAX_BULK} ids`, path: ['ids'] }],
      subject,
    );
  ids.forEach((id: unknown, i) => checkName(id, `ids[${i}]`, subject));
}

/** A document of `putMany` that passed the checks, its data serialised. */
export interface CheckedDocument {
  readonly id: string;
  readonly json: string;
  readonly expectedVersion?: number | 'none';
}

function refuse(message: string, path: string, subject: string): never {
  throw new ValidationError([{ message, path: [path] }], subject);
}

function checkBulk(
  items: unknown,
  path: string,
  what: string,
  subject: string,
): asserts items is readonly unknown[] {
  if (!Array.isArray(items) || items.length > MAX_BULK)
    refuse(`must be an array of at most ${MAX_BULK} ${what}`, path, subject);
}

/** Checks the documents of `putMany`; returns them with their data as JSON, in order. */
export function checkBulkDocuments(documents: unknown, subject: string): CheckedDocument[] {
  checkBulk(documents, 'documents', '{ id, data }', subject);
  const seen = new Set<string>();
  return documents.map((document, i) => {
    const { id, data, expectedVersion } = (document ?? {}) as Partial<DocumentWrite>;
    checkName(id, `documents[${i}].id`, subject);
    if (seen.has(id)) refuse('appears more than once', `documents[${i}].id`, subject);
    seen.add(id);
    checkExpectedVersion(expectedVersion, `documents[${i}].expectedVersion`, subject);
    const json = encodeDocument(data, subject);
    return expectedVersion === undefined ? { id, json } : { id, json, expectedVersion };
  });
}

/** The ids of `deleteMany` that passed the checks, and the versions of those given with one. */
export interface CheckedDeletions {
  readonly ids: string[];
  /** Undefined when no id came with a version. */
  readonly expected?: ReadonlyMap<string, number>;
}

/**
 * Checks the ids of `deleteMany`, plain or `{ id, expectedVersion }`. A plain id may repeat (it
 * is deleted once); one given with a version may not appear again.
 */
export function checkDeletions(ids: unknown, subject: string): CheckedDeletions {
  checkBulk(ids, 'ids', 'ids', subject);
  const unique = new Set<string>();
  let expected: Map<string, number> | undefined;
  ids.forEach((item, i) => {
    const versioned = typeof item === 'object' && item !== null;
    const id = versioned ? (item as Partial<DocumentDeletion>).id : item;
    checkName(id, versioned ? `ids[${i}].id` : `ids[${i}]`, subject);
    if (versioned) {
      const version = (item as Partial<DocumentDeletion>).expectedVersion;
      if (!isVersion(version))
        refuse('must be a version of at least 1', `ids[${i}].expectedVersion`, subject);
      if (unique.has(id)) refuse('appears more than once', `ids[${i}]`, subject);
      (expected ??= new Map()).set(id, version);
    } else if (expected?.has(id)) refuse('appears more than once', `ids[${i}]`, subject);
    unique.add(id);
  });
  return { ids: [...unique], ...(expected && { expected }) };
}

/** Checks a lease name, owner and time to live. */
export function checkLease(
  name: unknown,
  owner: unknown,
  options: Partial<LeaseOptions> | undefined,
  subject: string,
): void {
  checkName(name, 'name', subject);
  checkName(owner, 'owner', subject);
  if (options !== undefined) {
    const ttl = options.ttlMs;
    if (typeof ttl !== 'number' || !Number.isSafeInteger(ttl) || ttl < 1 || ttl > 86_400_000)
      throw new ValidationError(
        [{ message: 'must be an integer from 1 to 86400000', path: ['ttlMs'] }],
        subject,
      );
  }
}

/** Checks a lease token. */
export function checkLeaseToken(lease: LeaseToken | undefined, subject: string): void {
  checkLease(lease?.name, lease?.owner, undefined, subject);
  const epoch = lease?.epoch;
  if (typeof epoch !== 'number' || !Number.isSafeInteger(epoch) || epoch < 1)
    throw new ValidationError(
      [{ message: 'must be an integer of at least 1', path: ['lease', 'epoch'] }],
      subject,
    );
}

/** Checks a dead letter to add; returns its tenant and its payload and error as JSON. */
export function checkDeadLetter(letter: NewDeadLetter): {
  tenantId: string;
  payloadJson: string;
  errorJson: string;
} {
  const subject = 'deadLetters.add';
  checkName(letter?.source, 'source', subject);
  checkName(letter.messageId, 'messageId', subject);
  checkName(letter.messageType, 'messageType', subject);
  const tenantId = tenantOf(letter.tenantId, subject);
  if (!Number.isSafeInteger(letter.attempts) || letter.attempts < 0)
    throw new ValidationError([{ message: 'must be an integer of at least 0', path: ['attempts'] }], subject);
  if (letter.position !== undefined) checkCheckpoint('position', { position: letter.position }, subject);
  if (typeof letter.error?.name !== 'string' || typeof letter.error.message !== 'string')
    throw new ValidationError(
      [{ message: 'must be { name, message, stack?, code? }', path: ['error'] }],
      subject,
    );
  const error = {
    name: letter.error.name,
    message: letter.error.message,
    ...(letter.error.stack !== undefined && { stack: letter.error.stack }),
    ...(letter.error.code !== undefined && { code: letter.error.code }),
  };
  return { tenantId, payloadJson: encodeDocument(letter.payload, subject), errorJson: JSON.stringify(error) };
}

/** Checks `deadLetters.list` options; `tenantId` stays undefined for all tenants. */
export function checkDeadLetterList(options: DeadLetterListOptions): {
  limit: number;
  source: string | undefined;
  tenantId: string | undefined;
  after: string | undefined;
} {
  const subject = 'deadLetters.list';
  const limit = checkLimit(options.limit, subject);
  const { source, after } = options;
  if (source !== undefined) checkName(source, 'source', subject);
  if (after !== undefined) checkName(after, 'after', subject);
  const tenantId = options.tenantId === undefined ? undefined : tenantOf(options.tenantId, subject);
  return { limit, source, tenantId, after };
}

/** Plain failure data from anything thrown. */
export function failureInfo(error: unknown): {
  name: string;
  message: string;
  stack?: string;
  code?: string;
} {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      name: error.name,
      message: error.message,
      ...(error.stack !== undefined && { stack: error.stack }),
      ...(typeof code === 'string' && { code }),
    };
  }
  return { name: 'Error', message: String(error) };
}

/** A list prefix, checked: omitted or empty means everything (`''`). */
export function checkPrefix(options: { readonly prefix?: string }, subject: string): string {
  if (options.prefix === undefined || options.prefix === '') return '';
  checkName(options.prefix, 'prefix', subject);
  return options.prefix;
}
