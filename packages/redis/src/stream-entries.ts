/**
 * How messages are laid out in Redis: the keys, and the fields of a stream entry. Destination
 * and group names cannot contain `:`, so the dead-letter keys can never collide with a stream.
 */
import type { Subscription, TransportMessage } from '@whizbang/core';

export const streamKey = (prefix: string, destination: string): string => `${prefix}${destination}`;

export const deadLetterKey = (prefix: string, subscription: Subscription): string =>
  `${prefix}${subscription.destination}:dead-letters:${subscription.group}`;

/** The entry fields of a message: `id`, `type`, `body`, `headers` (JSON) and `key` when it has one. */
export function messageFields(message: TransportMessage): string[] {
  const fields = [
    'id',
    message.id,
    'type',
    message.type,
    'body',
    message.body,
    'headers',
    JSON.stringify(message.headers),
  ];
  if (message.key !== undefined) fields.push('key', message.key);
  return fields;
}

export interface ReadEntry {
  readonly message: TransportMessage;
  /** What is wrong with an entry this transport did not write; it is dead-lettered, not handled. */
  readonly problem?: string;
  /** Every field, by name (dead-letter entries carry `reason` too). */
  readonly fields: ReadonlyMap<string, string>;
}

/**
 * Reads an entry's fields back into a message. Anything else in the stream (an `XADD` by hand,
 * another tool) is read as far as it goes and flagged, so one bad entry cannot stall a group.
 */
export function readEntry(entryId: string, flat: readonly string[]): ReadEntry {
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i]!, flat[i + 1]!);
  const problems: string[] = [];
  const id = fields.get('id');
  const type = fields.get('type');
  const body = fields.get('body');
  if (!id) problems.push("no 'id' field");
  if (!type) problems.push("no 'type' field");
  if (body === undefined) problems.push("no 'body' field");
  let headers: Record<string, string> = {};
  try {
    const parsed: unknown = JSON.parse(fields.get('headers') ?? '{}');
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not an object');
    for (const value of Object.values(parsed))
      if (typeof value !== 'string') throw new Error('a header is not a string');
    headers = parsed as Record<string, string>;
  } catch (error) {
    problems.push(`'headers' is not a JSON object of strings (${(error as Error).message})`);
  }
  const key = fields.get('key');
  const message: TransportMessage = {
    id: id || `redis:${entryId}`,
    type: type || 'unknown',
    body: body ?? '',
    headers,
    ...(key !== undefined && { key }),
  };
  return problems.length === 0
    ? { message, fields }
    : {
        message,
        fields,
        problem: `Stream entry ${entryId} is not a Whizbang message: ${problems.join('; ')}`,
      };
}
