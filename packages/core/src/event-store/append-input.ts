/**
 * Input checks every driver runs before it writes, so all stores reject the same bad input
 * with the same `ValidationError`, and nothing is written.
 */
import { ValidationError, type ValidationIssue } from '../errors/catalog.js';
import { strictJson } from './strict-json.js';
import type { ExpectedVersion, NewEvent, StreamAppend } from './types.js';

/** Largest accepted serialised event payload (data plus headers), in UTF-16 code units. */
export const DEFAULT_MAX_EVENT_SIZE = 1024 * 1024;
const MAX_STREAM_NAME = 250;
const MAX_TYPE_NAME = 200;
// Control characters make names unprintable in logs and break LIKE-prefix filters.
// oxlint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

export function checkStreamName(
  stream: unknown,
  issues: ValidationIssue[],
  path: (string | number)[] = ['stream'],
): void {
  if (typeof stream !== 'string' || stream.length === 0)
    issues.push({ message: 'must be a non-empty string', path });
  else if (stream.length > MAX_STREAM_NAME)
    issues.push({ message: `must be at most ${MAX_STREAM_NAME} characters`, path });
  else if (CONTROL.test(stream)) issues.push({ message: 'must not contain control characters', path });
}

/** Throws unless `stream` is a valid stream name. */
export function assertStreamName(stream: unknown, subject: string): asserts stream is string {
  const issues: ValidationIssue[] = [];
  checkStreamName(stream, issues);
  if (issues.length > 0) throw new ValidationError(issues, subject);
}

export function checkExpectedVersion(
  value: unknown,
  issues: ValidationIssue[],
  path: (string | number)[],
): void {
  if (value === undefined || value === 'any' || value === 'no_stream' || value === 'stream_exists') return;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return;
  issues.push({
    message: `must be a non-negative integer, 'no_stream', 'stream_exists' or 'any' (got ${typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? typeof value)})`,
    path,
  });
}

/**
 * Serialises event data to JSON, rejecting values that would not read back as written
 * (functions, symbols, bigints, NaN, Infinity, Maps, Sets, cycles) and payloads over `maxSize`.
 * Drivers store the returned text.
 */
export function encodeJson(
  value: unknown,
  path: (string | number)[],
  issues: ValidationIssue[],
  maxSize: number,
): string | undefined {
  let text: string | undefined;
  try {
    text = strictJson(value);
  } catch (error) {
    issues.push({ message: error instanceof Error ? error.message : String(error), path });
    return undefined;
  }
  if (text === undefined) {
    issues.push({ message: 'must be JSON-serialisable', path });
    return undefined;
  }
  if (text.length > maxSize) {
    issues.push({ message: `is ${text.length} characters serialised, over the limit of ${maxSize}`, path });
    return undefined;
  }
  return text;
}

/** An event that passed the checks, with its data already serialised. */
export interface CheckedEvent {
  readonly event: NewEvent;
  readonly dataJson: string;
}

/**
 * Checks one stream's append and serialises its events. Collects every problem into `issues`
 * (prefixed by `path`) so a caller can report them all at once.
 */
export function checkEvents(
  events: unknown,
  issues: ValidationIssue[],
  path: (string | number)[],
  maxSize: number = DEFAULT_MAX_EVENT_SIZE,
): CheckedEvent[] {
  if (!Array.isArray(events)) {
    issues.push({ message: 'must be an array of events', path });
    return [];
  }
  if (events.length === 0) {
    issues.push({ message: 'must contain at least one event', path });
    return [];
  }
  const checked: CheckedEvent[] = [];
  events.forEach((event: unknown, index) => {
    const at = [...path, index];
    if (event === null || typeof event !== 'object') {
      issues.push({ message: 'must be an object with a type and data', path: at });
      return;
    }
    const { type, data, id, headers } = event as Record<string, unknown>;
    if (typeof type !== 'string' || type.length === 0 || type.length > MAX_TYPE_NAME || CONTROL.test(type)) {
      issues.push({
        message: `type must be a non-empty string of at most ${MAX_TYPE_NAME} printable characters`,
        path: [...at, 'type'],
      });
    }
    if (id !== undefined && (typeof id !== 'string' || id.length === 0 || id.length > 100)) {
      issues.push({
        message: 'id must be a non-empty string of at most 100 characters',
        path: [...at, 'id'],
      });
    }
    if (headers !== undefined) encodeJson(headers, [...at, 'headers'], issues, maxSize);
    const { schemaVersion } = event as { schemaVersion?: unknown };
    if (
      schemaVersion !== undefined &&
      (typeof schemaVersion !== 'number' || !Number.isSafeInteger(schemaVersion) || schemaVersion < 1)
    ) {
      issues.push({ message: 'schemaVersion must be a positive integer', path: [...at, 'schemaVersion'] });
    }
    const dataJson = encodeJson(data === undefined ? {} : data, [...at, 'data'], issues, maxSize);
    if (dataJson !== undefined) checked.push({ event: event as NewEvent, dataJson });
  });
  return checked;
}

/**
 * Checks a whole single-stream append. Throws one `ValidationError` listing every issue.
 * @example
 * const checked = checkAppend(stream, events, options.expectedVersion);
 */
export function checkAppend(
  stream: unknown,
  events: unknown,
  expectedVersion: unknown,
  maxSize?: number,
): CheckedEvent[] {
  const issues: ValidationIssue[] = [];
  checkStreamName(stream, issues);
  checkExpectedVersion(expectedVersion, issues, ['expectedVersion']);
  const checked = checkEvents(events, issues, ['events'], maxSize);
  if (issues.length > 0) throw new ValidationError(issues, 'appendToStream');
  return checked;
}

/** Checks a multi-stream append: each part as in `checkAppend`, and no stream twice. */
export function checkMultiAppend(appends: unknown, maxSize?: number): CheckedEvent[][] {
  const issues: ValidationIssue[] = [];
  if (!Array.isArray(appends) || appends.length === 0) {
    throw new ValidationError(
      [{ message: 'must be a non-empty array of stream appends', path: ['appends'] }],
      'appendToStreams',
    );
  }
  const seen = new Set<string>();
  const checked = (appends as StreamAppend[]).map((part, i) => {
    checkStreamName(part?.stream, issues, [i, 'stream']);
    if (typeof part?.stream === 'string') {
      if (seen.has(part.stream))
        issues.push({ message: `stream '${part.stream}' appears more than once`, path: [i, 'stream'] });
      seen.add(part.stream);
    }
    checkExpectedVersion(part?.expectedVersion, issues, [i, 'expectedVersion']);
    return checkEvents(part?.events, issues, [i, 'events'], maxSize);
  });
  if (issues.length > 0) throw new ValidationError(issues, 'appendToStreams');
  return checked;
}

/**
 * Whether a stream at `actual` (0 = absent) satisfies `expected`. Drivers call this inside
 * their write transaction, after reading the current version.
 */
export function versionMatches(expected: ExpectedVersion | undefined, actual: number): boolean {
  switch (expected) {
    case undefined:
    case 'any':
      return true;
    case 'no_stream':
      return actual === 0;
    case 'stream_exists':
      return actual > 0;
    default:
      return expected === actual;
  }
}
