/**
 * OTLP over HTTP (JSON bodies) to a collector, Jaeger, Tempo or any vendor that speaks OTLP.
 * The exporters read the standard `OTEL_EXPORTER_OTLP_*` variables themselves (endpoints,
 * headers, timeouts, TLS files); an option given here wins over them.
 */
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { ValidationError } from '@whizbang/core';

export interface OtlpOptions {
  /**
   * The collector's base URL, like `OTEL_EXPORTER_OTLP_ENDPOINT` (`http://localhost:4318`):
   * traces go to `<url>/v1/traces`, metrics to `<url>/v1/metrics`. Without it the exporters
   * use the environment, then `http://localhost:4318`.
   */
  readonly url?: string;
  /** Headers sent with every export, e.g. an API key; added to `OTEL_EXPORTER_OTLP_HEADERS`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** How often metrics are pushed (default 60,000 ms). */
  readonly metricIntervalMs?: number;
}

/** Whether the environment asks for OTLP export of a signal, as the OpenTelemetry SDKs read it. */
export function otlpRequestedByEnv(signal: 'TRACES' | 'METRICS'): boolean {
  return Boolean(
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env[`OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`],
  );
}

function signalUrl(base: string | undefined, path: 'v1/traces' | 'v1/metrics'): string | undefined {
  if (base === undefined) return undefined;
  const protocol = URL.canParse(base) ? new URL(base).protocol : undefined;
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new ValidationError(
      [
        {
          message: `'${base}' is not an http(s) URL; give the collector's base, e.g. http://localhost:4318`,
          path: ['otlp', 'url'],
        },
      ],
      'observability options',
    );
  }
  return `${base.replace(/\/+$/, '')}/${path}`;
}

/** Batches finished spans and posts them to the collector. */
export function otlpSpanProcessor(options: OtlpOptions): SpanProcessor {
  const url = signalUrl(options.url, 'v1/traces');
  const exporter = new OTLPTraceExporter({
    ...(url === undefined ? {} : { url }),
    ...(options.headers === undefined ? {} : { headers: { ...options.headers } }),
  });
  return new BatchSpanProcessor({ exporter });
}

/** Collects the metrics every interval and posts them to the collector. */
export function otlpMetricReader(options: OtlpOptions): IMetricReader {
  const url = signalUrl(options.url, 'v1/metrics');
  const interval = options.metricIntervalMs;
  if (interval !== undefined && !(Number.isFinite(interval) && interval > 0)) {
    throw new ValidationError(
      [
        {
          message: `must be a positive number of milliseconds, not ${interval}`,
          path: ['otlp', 'metricIntervalMs'],
        },
      ],
      'observability options',
    );
  }
  const exporter = new OTLPMetricExporter({
    ...(url === undefined ? {} : { url }),
    ...(options.headers === undefined ? {} : { headers: { ...options.headers } }),
  });
  return new PeriodicExportingMetricReader({
    exporter,
    ...(interval === undefined ? {} : { exportIntervalMillis: interval }),
  });
}
