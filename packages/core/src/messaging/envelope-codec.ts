/**
 * How an envelope crosses a transport: its data is the body (JSON), its identity and metadata
 * travel as headers, so brokers' tools, tracing and routing can read them without parsing the
 * body. User headers keep their names; Whizbang's own start with `whizbang-` (and the W3C
 * trace context uses its standard names).
 */
import { ValidationError } from '../errors/catalog.js';
import type { MessageKind } from '../messages/define.js';
import type { Envelope, MessageMetadata, Principal } from '../messages/envelope.js';
import type { TransportMessage } from '../transport/transport.js';

const PREFIX = 'whizbang-';
const H = {
  kind: `${PREFIX}kind`,
  correlation: `${PREFIX}correlation-id`,
  causation: `${PREFIX}causation-id`,
  tenant: `${PREFIX}tenant-id`,
  principal: `${PREFIX}principal`,
  timestamp: `${PREFIX}timestamp`,
  schemaVersion: `${PREFIX}schema-version`,
  replyTo: `${PREFIX}reply-to`,
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const;
const RESERVED = new Set<string>(Object.values(H));

/** A message in transit: what kind it is, and its envelope. */
export interface DecodedMessage {
  readonly kind: MessageKind;
  readonly envelope: Envelope;
}

/**
 * The transport form of an envelope.
 * @throws ValidationError when a user header uses a reserved name.
 */
export function encodeEnvelope(kind: MessageKind, envelope: Envelope, key?: string): TransportMessage {
  const { metadata } = envelope;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata.headers ?? {})) {
    if (name.startsWith(PREFIX) || RESERVED.has(name))
      throw new ValidationError(
        [{ message: `'${name}' is reserved for Whizbang's own metadata`, path: ['headers', name] }],
        envelope.type,
      );
    headers[name] = value;
  }
  headers[H.kind] = kind;
  headers[H.correlation] = metadata.correlationId;
  headers[H.timestamp] = String(metadata.timestamp);
  if (metadata.causationId !== undefined) headers[H.causation] = metadata.causationId;
  if (metadata.tenantId !== undefined) headers[H.tenant] = metadata.tenantId;
  if (metadata.principal !== undefined) headers[H.principal] = JSON.stringify(metadata.principal);
  if (metadata.schemaVersion !== undefined) headers[H.schemaVersion] = String(metadata.schemaVersion);
  if (metadata.replyTo !== undefined) headers[H.replyTo] = metadata.replyTo;
  if (metadata.traceparent !== undefined) headers[H.traceparent] = metadata.traceparent;
  if (metadata.tracestate !== undefined) headers[H.tracestate] = metadata.tracestate;
  return {
    id: envelope.id,
    type: envelope.type,
    body: JSON.stringify(envelope.data ?? null),
    headers,
    ...(key !== undefined && { key }),
  };
}

/**
 * The envelope a transport message carries.
 * @throws Error when the message was not written by `encodeEnvelope` (the caller dead-letters it).
 */
export function decodeEnvelope(message: TransportMessage): DecodedMessage {
  const { headers } = message;
  const kind = headers[H.kind];
  if (kind !== 'command' && kind !== 'event' && kind !== 'query')
    throw new Error(`Message '${message.id}' has no valid '${H.kind}' header: it was not sent by Whizbang`);
  const correlationId = headers[H.correlation];
  const timestamp = Number(headers[H.timestamp]);
  if (correlationId === undefined || !Number.isFinite(timestamp))
    throw new Error(`Message '${message.id}' lacks its correlation id or timestamp headers`);
  const user: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (!name.startsWith(PREFIX) && !RESERVED.has(name)) user[name] = value;
  const schemaVersion = headers[H.schemaVersion];
  const principal = headers[H.principal];
  const metadata: MessageMetadata = {
    correlationId,
    causationId: headers[H.causation],
    tenantId: headers[H.tenant],
    principal: principal === undefined ? undefined : (JSON.parse(principal) as Principal),
    traceparent: headers[H.traceparent],
    tracestate: headers[H.tracestate],
    timestamp,
    schemaVersion: schemaVersion === undefined ? undefined : Number(schemaVersion),
    headers: Object.keys(user).length > 0 ? user : undefined,
    ...(headers[H.replyTo] !== undefined && { replyTo: headers[H.replyTo] }),
  };
  return {
    kind,
    envelope: { id: message.id, type: message.type, data: JSON.parse(message.body) as unknown, metadata },
  };
}
