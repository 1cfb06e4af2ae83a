/**
 * The execution context: who acts, for which tenant, as part of which journey. It is passed
 * explicitly to handlers and middleware (`handler(message, ctx)`), and every message sent
 * through `ctx` inherits it.
 */
import type { Headers } from '../messages/define.js';
import type { Principal } from '../messages/envelope.js';

export interface ExecutionContext {
  /** Shared by every message of one journey. */
  readonly correlationId: string;
  /** The id of the message that caused this one. */
  readonly causationId?: string | undefined;
  readonly tenantId?: string | undefined;
  readonly principal?: Principal | undefined;
  /** W3C trace context of the caller. */
  readonly traceparent?: string | undefined;
  readonly tracestate?: string | undefined;
  readonly headers?: Headers | undefined;
}

/** What a caller may set when it starts a journey: `app.send(cmd, { tenantId, principal })`. */
export interface DispatchOptions extends Partial<ExecutionContext> {
  readonly signal?: AbortSignal | undefined;
}
