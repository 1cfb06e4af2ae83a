/**
 * The checks every transport runs on its input, so all of them accept and reject the same
 * names and messages, before anything reaches a broker.
 */
import { ValidationError, type ValidationIssue } from '../errors/catalog.js';
import type { ConsumeOptions, Subscription, Topology, TransportMessage } from './transport.js';

/**
 * Destination and group names: dot-separated words of letters, digits, `_` and `-`, at most
 * 100 characters. Every broker takes these as they are (an AMQP exchange or queue name, NATS
 * subject tokens, a Redis key), so a name means the same thing on each.
 */
const NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const MAX_NAME = 100;
const MAX_ID = 250;

export function checkChannelName(value: unknown, path: string, subject: string): asserts value is string {
  if (typeof value !== 'string' || value.length > MAX_NAME || !NAME.test(value))
    throw new ValidationError(
      [
        {
          message: `must be dot-separated words of letters, digits, '_' and '-', at most ${MAX_NAME} characters`,
          path: [path],
        },
      ],
      subject,
    );
}

export function checkSubscription(value: unknown, subject: string): asserts value is Subscription {
  const subscription = value as Partial<Subscription> | null | undefined;
  checkChannelName(subscription?.destination, 'destination', subject);
  checkChannelName(subscription?.group, 'group', subject);
}

export function checkTopology(topology: Topology, subject = 'transport.declare'): void {
  for (const destination of topology.destinations ?? [])
    checkChannelName(destination, 'destinations', subject);
  for (const subscription of topology.subscriptions ?? []) checkSubscription(subscription, subject);
}

function messageIssues(message: unknown, i: number): ValidationIssue[] {
  const at = (field: string) => [`messages[${i}].${field}`];
  const m = message as Partial<TransportMessage> | null | undefined;
  if (typeof m !== 'object' || m === null)
    return [{ message: 'must be an object', path: [`messages[${i}]`] }];
  const issues: ValidationIssue[] = [];
  for (const field of ['id', 'type'] as const) {
    const value = m[field];
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID)
      issues.push({ message: `must be a non-empty string of at most ${MAX_ID} characters`, path: at(field) });
  }
  if (typeof m.body !== 'string') issues.push({ message: 'must be a string', path: at('body') });
  if (m.key !== undefined && (typeof m.key !== 'string' || m.key.length === 0 || m.key.length > MAX_ID))
    issues.push({ message: `must be a non-empty string of at most ${MAX_ID} characters`, path: at('key') });
  if (typeof m.headers !== 'object' || m.headers === null || Array.isArray(m.headers)) {
    issues.push({ message: 'must be an object of strings', path: at('headers') });
  } else {
    for (const [name, value] of Object.entries(m.headers)) {
      if (name.length === 0 || typeof value !== 'string')
        issues.push({ message: 'must be a string with a non-empty name', path: at(`headers.${name}`) });
    }
  }
  return issues;
}

/** Checks a publish: a valid destination and well-formed messages. */
export function checkPublish(
  destination: unknown,
  messages: unknown,
  subject = 'transport.publish',
): asserts messages is readonly TransportMessage[] {
  checkChannelName(destination, 'destination', subject);
  if (!Array.isArray(messages))
    throw new ValidationError([{ message: 'must be an array', path: ['messages'] }], subject);
  const issues = messages.flatMap(messageIssues);
  if (issues.length > 0) throw new ValidationError(issues, subject);
}

/** The prefetch a consumer asked for, checked (default 16). */
export function checkConsumeOptions(options: ConsumeOptions = {}, subject = 'transport.consume'): number {
  const prefetch = options.prefetch ?? 16;
  if (!Number.isSafeInteger(prefetch) || prefetch < 1 || prefetch > 10_000)
    throw new ValidationError(
      [{ message: 'must be an integer from 1 to 10,000', path: ['prefetch'] }],
      subject,
    );
  return prefetch;
}

/** The limit of `takeDeadLetters`, checked (default 100). */
export function checkTakeLimit(
  options: { readonly limit?: number } = {},
  subject = 'transport.takeDeadLetters',
): number {
  const limit = options.limit ?? 100;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000)
    throw new ValidationError([{ message: 'must be an integer from 1 to 10,000', path: ['limit'] }], subject);
  return limit;
}
