/**
 * A `TransportMessage` as a NATS message and back, exactly. User headers travel as NATS
 * headers, so NATS tools and tracing see them; the few that NATS headers cannot carry as they
 * are travel JSON-encoded in one header of ours, so `message.headers` always round-trips:
 * - names outside printable ASCII or holding ':' (NATS rejects them),
 * - values holding CR/LF or starting or ending with white space (NATS trims them),
 * - names starting with `Nats-` (the server acts on those: `Nats-Msg-Id`, `Nats-Expected-*`)
 *   or `Whizbang-` (ours), in any case.
 */
import { headers as natsHeaders, type MsgHdrs, type MsgHdrsImpl } from '@nats-io/transport-node';
import type { TransportMessage } from '@whizbang/core';

const TYPE = 'Whizbang-Type';
const KEY = 'Whizbang-Key';
/** User headers NATS cannot carry as they are, as URI-encoded JSON. */
const ESCAPED = 'Whizbang-Headers';
const MSG_ID = 'Nats-Msg-Id';

const PLAIN_NAME = /^[\x21-\x39\x3b-\x7e]+$/;
const RESERVED_NAME = /^(nats|whizbang)-/i;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A value NATS carries unchanged: no CR/LF, no white space at either end, and no '%'. */
const plainValue = (value: string) => !/[\r\n%]/.test(value) && value === value.trim();

/**
 * Escapes the few characters a header value cannot carry. Every '%' is escaped too, so
 * decoding is exact; ordinary ids, types and keys are unchanged.
 */
export function escapeValue(value: string): string {
  return plainValue(value) ? value : value.replace(/[\r\n%]|^\s|\s$/g, (c) => encodeURIComponent(c));
}

const unescapeValue = (value: string) => (value.includes('%') ? decodeURIComponent(value) : value);

/** The message id as JetStream sees it (`Nats-Msg-Id`, its de-duplication key). */
export const msgId = (message: TransportMessage) => escapeValue(message.id);

export interface NatsPayload {
  readonly data: Uint8Array;
  readonly headers: MsgHdrs;
  /** Bytes on the wire, headers included, as the server's `max_payload` counts them. */
  readonly size: number;
}

export function encodeMessage(message: TransportMessage): NatsPayload {
  const h = natsHeaders();
  h.set(TYPE, escapeValue(message.type));
  if (message.key !== undefined) h.set(KEY, escapeValue(message.key));
  const escaped: [string, string][] = [];
  for (const [name, value] of Object.entries(message.headers)) {
    if (PLAIN_NAME.test(name) && !RESERVED_NAME.test(name) && !/[\r\n]/.test(value) && value === value.trim())
      h.append(name, value);
    else escaped.push([name, value]);
  }
  // fromEntries, not assignment: a header named `__proto__` stays a header.
  if (escaped.length > 0) h.set(ESCAPED, encodeURIComponent(JSON.stringify(Object.fromEntries(escaped))));
  const data = encoder.encode(message.body);
  // Our own headers() always makes the implementation, which can tell its encoded size.
  return { data, headers: h, size: data.length + (h as MsgHdrsImpl).encode().length };
}

/** Decodes a stored message; the id comes back from `Nats-Msg-Id`, where `publish` put it. */
export function decodeMessage(data: Uint8Array, h: MsgHdrs | undefined): TransportMessage {
  const id = h?.get(MSG_ID);
  const type = h?.get(TYPE);
  if (!h || !id || !type)
    throw new Error(
      `Not a Whizbang message: it lacks the ${MSG_ID} or ${TYPE} header (published by something else?)`,
    );
  const plain = h
    .keys()
    .filter((name) => !RESERVED_NAME.test(name))
    .map((name) => [name, h.get(name)] as const);
  const escaped = h.get(ESCAPED);
  const headers: Record<string, string> = Object.fromEntries([
    ...plain,
    ...(escaped ? Object.entries(JSON.parse(decodeURIComponent(escaped)) as Record<string, string>) : []),
  ]);
  const key = h.has(KEY) ? unescapeValue(h.get(KEY)) : undefined;
  return {
    id: unescapeValue(id),
    type: unescapeValue(type),
    body: decoder.decode(data),
    headers,
    ...(key !== undefined && { key }),
  };
}
