/**
 * Checks on outbox and inbox input, shared by every driver so all accept and reject the same
 * things. A rejected call writes nothing.
 */
import { ValidationError, type ValidationIssue } from '../errors/catalog.js';
import { tenantOf } from '../event-store/read-input.js';
import { checkChannelName } from '../transport/transport-input.js';
import { checkIds, checkLimit, checkName, MAX_BULK } from './port-input.js';
import type { NewOutboxMessage, OutboxClaimOptions } from './ports.js';

/** An outbox message as drivers store it. */
export interface CheckedOutboxMessage {
  readonly id: string;
  readonly destination: string;
  readonly type: string;
  readonly body: string;
  readonly headersJson: string;
  readonly key: string | undefined;
  readonly tenantId: string;
  /** Milliseconds since the epoch; undefined for "at once" (the driver's clock decides). */
  readonly deliverAt: number | undefined;
}

const SUBJECT_ADD = 'outbox.add';

function outboxIssues(message: NewOutboxMessage, i: number): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const at = (field: string) => [`messages[${i}].${field}`];
  const name = (field: 'id' | 'type') => {
    const value = message[field];
    if (typeof value !== 'string' || value.length === 0 || value.length > 250)
      issues.push({ message: 'must be a non-empty string of at most 250 characters', path: at(field) });
  };
  name('id');
  name('type');
  try {
    checkChannelName(message.destination, 'destination', SUBJECT_ADD);
  } catch (error) {
    issues.push(...(error as ValidationError).issues.map((issue) => ({ ...issue, path: at('destination') })));
  }
  if (typeof message.body !== 'string') issues.push({ message: 'must be a string', path: at('body') });
  if (message.key !== undefined && (typeof message.key !== 'string' || message.key.length === 0))
    issues.push({ message: 'must be a non-empty string', path: at('key') });
  if (message.headers !== undefined) {
    if (typeof message.headers !== 'object' || message.headers === null || Array.isArray(message.headers))
      issues.push({ message: 'must be an object of strings', path: at('headers') });
    else
      for (const [header, value] of Object.entries(message.headers))
        if (header.length === 0 || typeof value !== 'string')
          issues.push({ message: 'must be a string with a non-empty name', path: at(`headers.${header}`) });
  }
  if (
    message.deliverAt !== undefined &&
    !(message.deliverAt instanceof Date && Number.isFinite(message.deliverAt.getTime()))
  )
    issues.push({ message: 'must be a valid Date', path: at('deliverAt') });
  return issues;
}

export function checkOutboxMessages(messages: readonly NewOutboxMessage[]): CheckedOutboxMessage[] {
  if (!Array.isArray(messages) || messages.length > MAX_BULK)
    throw new ValidationError(
      [{ message: `must be an array of at most ${MAX_BULK} messages`, path: ['messages'] }],
      SUBJECT_ADD,
    );
  const issues = messages.flatMap((message: NewOutboxMessage | null, i) =>
    typeof message === 'object' && message !== null
      ? outboxIssues(message, i)
      : [{ message: 'must be an object', path: [`messages[${i}]`] }],
  );
  const seen = new Set<string>();
  for (const [i, message] of messages.entries()) {
    if (seen.has(message.id)) issues.push({ message: 'appears more than once', path: [`messages[${i}].id`] });
    seen.add(message.id);
  }
  if (issues.length > 0) throw new ValidationError(issues, SUBJECT_ADD);
  return messages.map((message) => ({
    id: message.id,
    destination: message.destination,
    type: message.type,
    body: message.body,
    headersJson: JSON.stringify(message.headers ?? {}),
    key: message.key,
    tenantId: tenantOf(message.tenantId, SUBJECT_ADD),
    deliverAt: message.deliverAt?.getTime(),
  }));
}

export function checkClaim(owner: unknown, options: OutboxClaimOptions): { limit: number; leaseMs: number } {
  const subject = 'outbox.claim';
  checkName(owner, 'owner', subject);
  const limit = checkLimit(options?.limit, subject);
  const { leaseMs } = options ?? {};
  if (!Number.isSafeInteger(leaseMs) || leaseMs < 1 || leaseMs > 86_400_000)
    throw new ValidationError(
      [{ message: 'must be an integer from 1 to 86,400,000 ms', path: ['leaseMs'] }],
      subject,
    );
  return { limit, leaseMs };
}

/** Checks the owner and ids of `complete` and `release`. */
export function checkOwnedIds(owner: unknown, ids: readonly string[], subject: string): void {
  checkName(owner, 'owner', subject);
  checkIds(ids, subject);
}

export function checkRelease(options: { readonly retryAt: Date; readonly error: string }): {
  retryAt: number;
  error: string;
} {
  const subject = 'outbox.release';
  const { retryAt, error } = options ?? {};
  if (!(retryAt instanceof Date) || !Number.isFinite(retryAt.getTime()))
    throw new ValidationError([{ message: 'must be a valid Date', path: ['retryAt'] }], subject);
  if (typeof error !== 'string')
    throw new ValidationError([{ message: 'must be a string', path: ['error'] }], subject);
  // An error text can be a whole stack trace; the outbox keeps enough to diagnose.
  return { retryAt: retryAt.getTime(), error: error.slice(0, 2000) };
}

export function checkInboxKey(group: unknown, messageId: unknown, subject: string): void {
  checkName(group, 'group', subject);
  checkName(messageId, 'messageId', subject);
}

/** Checks a group and message ids; returns the ids without repeats, in first-seen order. */
export function checkInboxKeys(group: unknown, messageIds: unknown, subject: string): string[] {
  checkName(group, 'group', subject);
  if (!Array.isArray(messageIds) || messageIds.length > 10_000)
    throw new ValidationError(
      [{ message: 'must be an array of at most 10,000 ids', path: ['messageIds'] }],
      subject,
    );
  for (const [i, id] of messageIds.entries()) checkName(id, `messageIds[${i}]`, subject);
  return [...new Set(messageIds as string[])];
}

export function checkPrune(options: { readonly before: Date }, subject = 'inbox.prune'): number {
  const before = options?.before;
  if (!(before instanceof Date) || !Number.isFinite(before.getTime()))
    throw new ValidationError([{ message: 'must be a valid Date', path: ['before'] }], subject);
  return before.getTime();
}
