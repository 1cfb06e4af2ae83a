/**
 * Option checks for reads and stream operations, shared by every driver so bad options fail
 * the same way everywhere: a `ValidationError` naming each problem.
 */
import { ValidationError, type ValidationIssue } from '../errors/catalog.js';
import { checkExpectedVersion, checkStreamName, encodeJson } from './append-input.js';
import { checkPartition } from './partition.js';
import { DEFAULT_TENANT, type ReadAllOptions, type ReadStreamOptions, type StreamOptions } from './types.js';

function positiveInteger(value: unknown, name: string, issues: ValidationIssue[], min: number): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)) {
    issues.push({ message: `must be an integer of at least ${min}`, path: [name] });
  }
}

function fail(issues: ValidationIssue[], subject: string): void {
  if (issues.length > 0) throw new ValidationError(issues, subject);
}

/** The tenant to use: the given one, or `DEFAULT_TENANT`. */
export function tenantOf(tenantId: unknown, subject: string): string {
  if (tenantId === undefined) return DEFAULT_TENANT;
  if (typeof tenantId !== 'string' || tenantId.length === 0 || tenantId.length > 100) {
    throw new ValidationError(
      [{ message: 'must be a non-empty string of at most 100 characters', path: ['tenantId'] }],
      subject,
    );
  }
  return tenantId;
}

/** The most streams one `lockStreams` call takes (as many as a bulk document call). */
const MAX_LOCKED_STREAMS = 10_000;

/**
 * Checks the streams of `lockStreams` and returns their tenant.
 * @throws ValidationError naming every bad stream name, or a list that is not one.
 */
export function checkLockStreams(streams: unknown, tenantId: unknown, subject: string): string {
  if (!Array.isArray(streams) || streams.length > MAX_LOCKED_STREAMS)
    throw new ValidationError(
      [{ message: `must be an array of at most ${MAX_LOCKED_STREAMS} stream names`, path: ['streams'] }],
      subject,
    );
  const issues: ValidationIssue[] = [];
  streams.forEach((stream: unknown, i) => checkStreamName(stream, issues, ['streams', i]));
  fail(issues, subject);
  return tenantOf(tenantId, subject);
}

export function checkReadStream(stream: unknown, options: ReadStreamOptions): void {
  const issues: ValidationIssue[] = [];
  checkStreamName(stream, issues);
  positiveInteger(options.from, 'from', issues, 1);
  positiveInteger(options.to, 'to', issues, 1);
  positiveInteger(options.maxCount, 'maxCount', issues, 1);
  if (
    options.direction !== undefined &&
    options.direction !== 'forward' &&
    options.direction !== 'backward'
  ) {
    issues.push({ message: "must be 'forward' or 'backward'", path: ['direction'] });
  }
  fail(issues, 'readStream');
}

export function checkReadAll(options: ReadAllOptions): void {
  const issues: ValidationIssue[] = [];
  positiveInteger(options.batchSize, 'batchSize', issues, 1);
  const after = options.after;
  if (
    after !== undefined &&
    (typeof after?.commit !== 'bigint' || typeof after.position !== 'bigint' || after.position < 0n)
  ) {
    issues.push({ message: 'must be a LogPosition { commit: bigint, position: bigint }', path: ['after'] });
  }
  const until = options.until;
  if (
    until !== undefined &&
    (typeof until?.commit !== 'bigint' || typeof until.position !== 'bigint' || until.position < 0n)
  ) {
    issues.push({ message: 'must be a LogPosition { commit: bigint, position: bigint }', path: ['until'] });
  }
  fail(issues, 'readAll');
  checkPartition(options.filter?.partition, 'readAll');
}

/** Checks a stream operation's options; returns the metadata serialised when given. */
export function checkStreamOptions(
  stream: unknown,
  options: StreamOptions,
  subject: string,
  metadata?: unknown,
  maxSize = 1024 * 1024,
): string | undefined {
  const issues: ValidationIssue[] = [];
  checkStreamName(stream, issues);
  checkExpectedVersion(options.expectedVersion, issues, ['expectedVersion']);
  let json: string | undefined;
  if (arguments.length > 3) {
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))
      issues.push({ message: 'must be an object', path: ['metadata'] });
    else json = encodeJson(metadata, ['metadata'], issues, maxSize);
  }
  fail(issues, subject);
  return json;
}
