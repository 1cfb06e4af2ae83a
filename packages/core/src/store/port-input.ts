/**
 * Input checks for the document, checkpoint and snapshot ports, shared by every driver so they
 * refuse the same input with the same `ValidationError`.
 */
import { DocumentConflictError, ValidationError, type ValidationIssue } from '../errors/catalog.js';
import { encodeJson } from '../event-store/append-input.js';
import { assertStreamName } from '../event-store/append-input.js';
import { tenantOf } from '../event-store/read-input.js';
import type { LogPosition } from '../event-store/types.js';
import type { Snapshot } from './ports.js';

/** Throws unless `value` is a non-empty name of at most 250 characters. */
export function checkName(value: unknown, name: string, subject: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 250) {
    throw new ValidationError(
      [{ message: 'must be a non-empty string of at most 250 characters', path: [name] }],
      subject,
    );
  }
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
  const expected = options.expectedVersion;
  if (!(
    expected === undefined ||
    expected === 'none' ||
    (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 1)
  )) {
    throw new ValidationError(
      [{ message: "must be a version of at least 1 or 'none'", path: ['expectedVersion'] }],
      subject,
    );
  }
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
): void {
  if (expected === undefined) return;
  if (expected === 'none' ? actual !== 0 : expected !== actual)
    throw new DocumentConflictError(collection, id, expected, actual);
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
