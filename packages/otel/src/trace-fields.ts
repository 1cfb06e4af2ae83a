/**
 * The ids that tie a log line to its trace: whoever reads the line in Loki, Elasticsearch or a
 * terminal can open the trace it was written in, and a trace view can list its lines.
 */
import { isSpanContextValid, trace } from '@opentelemetry/api';

export interface LogTraceFields {
  readonly trace_id?: string;
  readonly span_id?: string;
  /** `'01'` when the trace is sampled (recorded), `'00'` when only its ids are propagated. */
  readonly trace_flags?: string;
}

/**
 * The active span's `trace_id`, `span_id` and `trace_flags`, or nothing outside a span. Names
 * follow the OpenTelemetry log data model, as the collector's log parsers expect them. A new
 * object every call: pino's mixin merge writes the line's fields into it.
 *
 * @example
 * ```ts
 * const logger = pino({ mixin: traceFields });
 * ```
 */
export function traceFields(): LogTraceFields {
  const span = trace.getActiveSpan();
  if (span === undefined) return {};
  const ids = span.spanContext();
  if (!isSpanContextValid(ids)) return {};
  return {
    trace_id: ids.traceId,
    span_id: ids.spanId,
    trace_flags: ids.traceFlags.toString(16).padStart(2, '0'),
  };
}
