/**
 * W3C trace context on envelopes. Whizbang carries `traceparent`/`tracestate` in every message's
 * metadata (and so in outbox rows, stored events and transport headers), whatever propagator
 * the application registered: the envelope's fields are W3C by contract, so they are formatted
 * and parsed here rather than through the global propagator (which is a no-op until an SDK
 * registers one).
 */
import {
  context,
  createTraceState,
  isSpanContextValid,
  ROOT_CONTEXT,
  trace,
  type Context,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The `traceparent` of a span, or undefined for an invalid (no-op) one. */
export function traceparentOf(span: SpanContext): string | undefined {
  if (!isSpanContextValid(span)) return undefined;
  const flags = (span.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${span.traceId}-${span.spanId}-${flags}`;
}

/** The span context a `traceparent` (and `tracestate`) name, or undefined when malformed. */
export function spanContextOf(traceparent: string, tracestate?: string): SpanContext | undefined {
  const match = TRACEPARENT.exec(traceparent);
  if (match === null) return undefined;
  const parsed: SpanContext = {
    traceId: match[1]!,
    spanId: match[2]!,
    traceFlags: Number.parseInt(match[3]!, 16),
    isRemote: true,
    ...(tracestate !== undefined && tracestate !== '' && { traceState: createTraceState(tracestate) }),
  };
  return isSpanContextValid(parsed) ? parsed : undefined;
}

/** What a traced message carries: the context of the span that sent it. */
export interface TraceFields {
  readonly traceparent?: string | undefined;
  readonly tracestate?: string | undefined;
}

/** The trace fields of a span, for the envelope of a message sent within it. */
export function traceFieldsOf(span: Span): TraceFields {
  const spanContext = span.spanContext();
  const tracestate = spanContext.traceState?.serialize();
  return {
    traceparent: traceparentOf(spanContext),
    ...(tracestate !== undefined && tracestate !== '' && { tracestate }),
  };
}

/**
 * The parent of work done for a message: it joins the message's trace (the span that sent it),
 * under the innermost active span when that span is already in the trace (a consumer's delivery,
 * the handler that sent it). An active span of another trace (a projection batch, which spans
 * many) does not adopt it; with no trace on the message, the active context is the parent.
 */
export function parentContextFor(fields: TraceFields | undefined): Context {
  const active = context.active();
  if (fields?.traceparent === undefined) return active;
  const remote = spanContextOf(fields.traceparent, fields.tracestate);
  if (remote === undefined) return active;
  const current = trace.getSpan(active)?.spanContext();
  if (current !== undefined && current.traceId === remote.traceId) return active;
  return trace.setSpanContext(active, remote);
}

/** The context carried by `fields` alone, ignoring the active one (a delivery from elsewhere). */
export function remoteContextOf(fields: TraceFields | undefined): Context {
  if (fields?.traceparent === undefined) return ROOT_CONTEXT;
  const remote = spanContextOf(fields.traceparent, fields.tracestate);
  return remote === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, remote);
}

/**
 * The trace fields for a message made now: the active span's when there is one (a handler, a
 * saga step, an HTTP request), else `fallback`'s (what the caller passed on).
 */
export function activeTraceFields(fallback: TraceFields): TraceFields {
  const span = trace.getSpan(context.active());
  if (span === undefined || !isSpanContextValid(span.spanContext())) return fallback;
  return traceFieldsOf(span);
}
