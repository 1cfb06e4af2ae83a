/**
 * One call that gives an application OpenTelemetry: a tracer provider and a meter provider
 * registered as the process's globals, with context carried across `await` by
 * AsyncLocalStorage and W3C trace context and baggage as the propagators. Whizbang's library
 * code only uses `@opentelemetry/api`, so everything it records goes where this setup says.
 */
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider, type IMetricReader, type ViewOptions } from '@opentelemetry/sdk-metrics';
import {
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { ValidationError } from '@whizbang/core';
import { diagnosticsFromEnv } from './diagnostics.js';
import { otlpMetricReader, otlpRequestedByEnv, otlpSpanProcessor, type OtlpOptions } from './otlp-export.js';
import { prometheusMetrics, type PrometheusMetrics, type PrometheusOptions } from './prometheus-metrics.js';
import { registerGlobals, unregisterGlobals } from './register-globals.js';
import { serviceResource, type ServiceIdentity } from './service-resource.js';

export interface ObservabilitySetupOptions extends ServiceIdentity {
  /**
   * The share of new traces to record, 0 to 1 (default 1). A trace that arrives with a parent
   * keeps the parent's decision, so a journey is recorded whole or not at all.
   */
  readonly sampleRatio?: number;
  /**
   * Export traces and metrics over OTLP/HTTP. Without this option, export is on when
   * `OTEL_EXPORTER_OTLP_ENDPOINT` (or the signal's own `..._TRACES_ENDPOINT`,
   * `..._METRICS_ENDPOINT`) is set; `false` turns it off whatever the environment says.
   */
  readonly otlp?: OtlpOptions | false;
  /** Serve metrics to Prometheus through the handle's `prometheus.scrape()`. */
  readonly prometheus?: boolean | PrometheusOptions;
  /** More span processors, e.g. a `SimpleSpanProcessor` over an `InMemorySpanExporter` in tests. */
  readonly spanProcessors?: readonly SpanProcessor[];
  /** More metric readers, e.g. a `PeriodicExportingMetricReader` over another exporter. */
  readonly metricReaders?: readonly IMetricReader[];
  /** Metric views: other histogram buckets, fewer attributes, an instrument dropped. */
  readonly views?: readonly ViewOptions[];
}

/** What `setupObservability` registered; shut it down when the process stops. */
export interface Observability {
  readonly tracerProvider: TracerProvider;
  readonly meterProvider: MeterProvider;
  /** Present when `prometheus` was asked for: serve `scrape()` on `/metrics`. */
  readonly prometheus?: PrometheusMetrics;
  /** Exports everything recorded so far (spans, and metrics for push readers). */
  forceFlush(): Promise<void>;
  /**
   * Flushes, stops the providers and removes the globals, so the API is back to no-ops and
   * `setupObservability` may be called again. Calling it twice is harmless.
   */
  shutdown(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

function sampler(ratio: number | undefined): ParentBasedSampler {
  if (ratio !== undefined && !(ratio >= 0 && ratio <= 1)) {
    throw new ValidationError(
      [{ message: `must be between 0 and 1 (a share of traces), not ${ratio}`, path: ['sampleRatio'] }],
      'observability options',
    );
  }
  return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio ?? 1) });
}

/**
 * Sets up tracing and metrics for the whole process. Call it before `whizbang({...})`: the
 * app creates its instruments when it is built, from whatever meter provider is registered then.
 *
 * @example
 * ```ts
 * const telemetry = setupObservability({ serviceName: 'orders', serviceVersion: '1.4.0', prometheus: true });
 * const app = whizbang({ store, handlers });
 * process.once('SIGTERM', () => void app.stop().then(() => telemetry.shutdown()));
 * ```
 */
export function setupObservability(options: ObservabilitySetupOptions): Observability {
  const resource = serviceResource(options);
  const sample = sampler(options.sampleRatio);
  const prometheus =
    options.prometheus === undefined || options.prometheus === false
      ? undefined
      : prometheusMetrics(options.prometheus === true ? {} : options.prometheus);
  const otlpOn = (signal: 'TRACES' | 'METRICS') =>
    options.otlp !== false && (options.otlp !== undefined || otlpRequestedByEnv(signal));

  const metricReaders = [...(options.metricReaders ?? [])];
  if (otlpOn('METRICS')) metricReaders.push(otlpMetricReader(options.otlp || {}));
  if (prometheus) metricReaders.push(prometheus.reader);
  const spanProcessors = [...(options.spanProcessors ?? [])];
  if (otlpOn('TRACES')) spanProcessors.push(otlpSpanProcessor(options.otlp || {}));

  const tracerProvider = new TracerProvider({ resource, sampler: sample, spanProcessors });
  const meterProvider = new MeterProvider({
    resource,
    readers: metricReaders,
    views: [...(options.views ?? [])],
  });
  const contextManager = new AsyncLocalStorageContextManager();
  const propagator = new CompositePropagator({
    propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
  });
  try {
    registerGlobals({ contextManager: contextManager.enable(), propagator, tracerProvider, meterProvider });
  } catch (error) {
    contextManager.disable();
    // Nothing was registered; the providers' readers and exporters must not linger either.
    void Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]);
    throw error;
  }
  const stopDiagnostics = diagnosticsFromEnv();

  let stopped: Promise<void> | undefined;
  const shutdown = () =>
    (stopped ??= (async () => {
      const results = await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]);
      unregisterGlobals();
      contextManager.disable();
      stopDiagnostics();
      const failure = results.find((r) => r.status === 'rejected');
      if (failure) throw failure.reason;
    })());

  return {
    tracerProvider,
    meterProvider,
    ...(prometheus ? { prometheus } : {}),
    async forceFlush() {
      await Promise.all([tracerProvider.forceFlush(), meterProvider.forceFlush()]);
    },
    shutdown,
    [Symbol.asyncDispose]: shutdown,
  };
}
