/**
 * How a transport message travels as an AMQP message, and back.
 *
 * The body is the content (UTF-8); id and type are the `message-id` and `type` properties;
 * user headers are the header table; the key and anything else of ours are headers named
 * `x-whizbang-*`. RabbitMQ adds headers of its own, all named `x-...` (`x-delivery-count`,
 * `x-death`), so a user header whose name starts with `x-` travels escaped as
 * `x-whizbang-h-<name>`: on the way out every other `x-` header is dropped, and
 * `message.headers` comes back exactly as it was published.
 */
import { randomUUID } from 'node:crypto';
import type { Message, Options } from 'amqplib';
import { ValidationError, type TransportMessage, type ValidationIssue } from '@whizbang/core';

const OWN = 'x-whizbang-';
export const HEADER = {
  key: `${OWN}key`,
  /** Id and type go here only when they do not fit an AMQP short string (255 bytes). */
  id: `${OWN}id`,
  type: `${OWN}type`,
  reason: `${OWN}reason`,
  /** Tags a copy on its way to a dead-letter queue, to recognise it if the broker returns it. */
  move: `${OWN}move`,
  user: `${OWN}h-`,
} as const;

const SHORT_STRING = 255;
/**
 * amqplib encodes the header table into a 64 KiB buffer; user headers get most of it, and the
 * rest is kept for ours and for a dead-letter reason, so a message that was published can
 * always be parked.
 */
const MAX_HEADER_BYTES = 40_000;
const MAX_REASON = 4_000;

/** A message ready for `channel.publish`. */
export interface Outgoing {
  readonly id: string;
  readonly content: Buffer;
  readonly options: Options.Publish;
}

const bytes = (value: string) => Buffer.byteLength(value, 'utf8');
const reserved = (name: string) => /^x-/i.test(name);

function encodeOne(message: TransportMessage, index: number, issues: ValidationIssue[]): Outgoing {
  const headers: [string, string][] = [];
  let size = 0;
  for (const [name, value] of Object.entries(message.headers)) {
    const wire = reserved(name) ? `${HEADER.user}${name}` : name;
    if (bytes(wire) > SHORT_STRING)
      issues.push({
        message: 'must fit an AMQP header name (255 bytes)',
        path: [`messages[${index}].headers.${name}`],
      });
    headers.push([wire, value]);
    size += bytes(wire) + bytes(value) + 6;
  }
  if (size > MAX_HEADER_BYTES)
    issues.push({
      message: `must total at most ${MAX_HEADER_BYTES} bytes on RabbitMQ`,
      path: [`messages[${index}].headers`],
    });
  if (message.key !== undefined) headers.push([HEADER.key, message.key]);
  // Mandatory: a message no queue takes (no binding yet, a queue not back after a restart) comes
  // back to the publisher instead of being confirmed and dropped.
  const options: Options.Publish = {
    persistent: true,
    mandatory: true,
    timestamp: Math.floor(Date.now() / 1000),
  };
  if (bytes(message.id) <= SHORT_STRING) options.messageId = message.id;
  else headers.push([HEADER.id, message.id]);
  if (bytes(message.type) <= SHORT_STRING) options.type = message.type;
  else headers.push([HEADER.type, message.type]);
  // fromEntries defines properties, so a header named `__proto__` stays a header.
  options.headers = Object.fromEntries(headers);
  return { id: message.id, content: Buffer.from(message.body, 'utf8'), options };
}

/** Encodes a batch that `checkPublish` accepted; throws before anything is sent if RabbitMQ could not carry one. */
export function encodeAll(messages: readonly TransportMessage[]): Outgoing[] {
  const issues: ValidationIssue[] = [];
  const encoded = messages.map((message, index) => encodeOne(message, index, issues));
  if (issues.length > 0) throw new ValidationError(issues, 'transport.publish');
  return encoded;
}

function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return value.toString();
  return JSON.stringify(value);
}

export interface Decoded {
  readonly message: TransportMessage;
  /** Why this is not a message Whizbang can hand to a handler (it was published by something else). */
  readonly problem?: string;
}

export function decode(raw: Message): Decoded {
  const table = (raw.properties.headers ?? {}) as Record<string, unknown>;
  const headers: [string, string][] = [];
  for (const [name, value] of Object.entries(table)) {
    if (name.startsWith(HEADER.user)) headers.push([name.slice(HEADER.user.length), text(value) ?? '']);
    else if (!reserved(name)) headers.push([name, text(value) ?? '']);
  }
  const id = text(table[HEADER.id]) ?? text(raw.properties.messageId) ?? '';
  const type = text(table[HEADER.type]) ?? text(raw.properties.type) ?? '';
  const key = text(table[HEADER.key]);
  const message: TransportMessage = {
    id,
    type,
    body: raw.content.toString('utf8'),
    headers: Object.fromEntries(headers),
    ...(key !== undefined && { key }),
  };
  if (id && type) return { message };
  return {
    message,
    problem: `The message has no ${id ? 'type' : 'message-id'} property: it was not published by Whizbang`,
  };
}

/** Quorum queues count earlier deliveries in `x-delivery-count`; classic queues only flag a redelivery. */
export function deliveryCount(raw: Message): number {
  const earlier = raw.properties.headers?.['x-delivery-count'] as unknown;
  return Math.max(typeof earlier === 'number' ? earlier + 1 : 1, raw.fields.redelivered ? 2 : 1);
}

/**
 * The copy of `raw` that goes to a dead-letter queue: content and properties as they arrived,
 * the reason in a header, and no expiration (a parked message must stay parked).
 */
export function deadLetterCopy(raw: Message, reason: string): Outgoing & { readonly moveId: string } {
  const p = raw.properties;
  const headers: Record<string, unknown> = { ...p.headers };
  delete headers['x-delivery-count'];
  const moveId = randomUUID();
  headers[HEADER.reason] =
    reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON)}… (truncated)` : reason;
  headers[HEADER.move] = moveId;
  const kept: (keyof Options.Publish & keyof typeof p)[] = [
    'messageId',
    'type',
    'contentType',
    'contentEncoding',
    'correlationId',
    'replyTo',
    'timestamp',
    'appId',
    'priority',
  ];
  const options: Options.Publish = { persistent: true, mandatory: true, headers };
  for (const name of kept) if (p[name] !== undefined) (options as Record<string, unknown>)[name] = p[name];
  return {
    id: text(p.messageId) ?? text(headers[HEADER.id]) ?? '(no id)',
    content: raw.content,
    options,
    moveId,
  };
}

/** The reason a dead-lettered message was parked: ours, or the broker's when it parked it. */
export function deadLetterReason(raw: Message): string {
  const table = (raw.properties.headers ?? {}) as Record<string, unknown>;
  const own = text(table[HEADER.reason]);
  if (own !== undefined) return own;
  const broker = text(table['x-first-death-reason']);
  if (broker !== undefined)
    return `RabbitMQ dead-lettered it (${broker}) from queue '${text(table['x-first-death-queue']) ?? '?'}'`;
  return 'Dead-lettered without a reason';
}
