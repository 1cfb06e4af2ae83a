/**
 * The OpenTelemetry SDK set-ups the mediator benchmark makes its observed apps under. An app
 * decides when it is made whether it traces and records metrics, and takes its tracer and meter
 * from the SDK registered at that moment; the API's globals are process-wide, so one process
 * measures two SDK set-ups by making the first one's apps, removing its globals (its providers
 * keep running for those apps), then registering the second.
 */
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import { setupObservability, type Observability } from '@whizbang/otel';

/**
 * Takes every batch of spans and drops it, counting them: a traced send pays for its span up to
 * the exporter, but for no encoding or I/O.
 */
export class DiscardingExporter implements SpanExporter {
  exported = 0;

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.exported += spans.length;
    done({ code: ExportResultCode.SUCCESS });
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * `setupObservability` as an application would call it, with no OTLP export and spans batched
 * (the SDK's `BatchSpanProcessor`, default sizes) to `exporter`.
 */
export function sdk(
  exporter: SpanExporter,
  options: { readonly sampleRatio: number; readonly prometheus: boolean },
): Observability {
  return setupObservability({
    serviceName: 'bench-mediator',
    otlp: false,
    sampleRatio: options.sampleRatio,
    prometheus: options.prometheus,
    spanProcessors: [new BatchSpanProcessor({ exporter })],
  });
}

/**
 * Removes the registered SDK's globals without stopping its providers, so the apps made under it
 * keep their tracer and meter and another SDK may register. Its context manager goes too: from
 * then on every app runs its spans in the next SDK's (the same AsyncLocalStorage kind).
 */
export function releaseGlobals(): void {
  trace.disable();
  metrics.disable();
  propagation.disable();
  context.disable();
}
