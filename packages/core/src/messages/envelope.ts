/**
 * Envelopes: a message with the identity and metadata the runtime adds. This is the shape
 * that is stored, sent over transports and handed to middleware.
 */
import type { Headers } from './define.js';

/** Who is acting. Authorization reads `roles` and `permissions`. */
export interface Principal {
  readonly id: string;
  readonly roles?: readonly string[] | undefined;
  readonly permissions?: readonly string[] | undefined;
  /** Extra claims for attribute-based policies. */
  readonly attributes?: Readonly<Record<string, unknown>> | undefined;
}

/** What travels with every message, so a journey can be followed across processes. */
export interface MessageMetadata {
  readonly correlationId: string;
  readonly causationId?: string | undefined;
  readonly tenantId?: string | undefined;
  readonly principal?: Principal | undefined;
  /** W3C trace context. */
  readonly traceparent?: string | undefined;
  readonly tracestate?: string | undefined;
  /** Milliseconds since the Unix epoch, when the envelope was made. */
  readonly timestamp: number;
  /** For events: the schema version the data was written with. */
  readonly schemaVersion?: number | undefined;
  readonly headers?: Headers | undefined;
  /**
   * For a command sent as a request (a workflow step): where its outcome goes, as a
   * `whizbang.Reply` written with the handler's effects, or with its dead letter.
   */
  readonly replyTo?: string | undefined;
}

/** A message with its id and metadata. */
export interface Envelope<T extends string = string, D = unknown> {
  /** UUIDv7 unless the sender chose one. */
  readonly id: string;
  readonly type: T;
  readonly data: D;
  readonly metadata: MessageMetadata;
}
