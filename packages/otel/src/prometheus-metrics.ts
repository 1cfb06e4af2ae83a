/**
 * Metrics for Prometheus to scrape, served by the application's own HTTP server instead of a
 * second port: a metric reader that collects on demand, and `scrape()`, which renders what it
 * collected in the Prometheus text format for whatever route serves `/metrics`.
 */
import { diag } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import type { MetricReader } from '@opentelemetry/sdk-metrics';
import { StateError } from '@whizbang/core';

export interface PrometheusOptions {
  /** Put before every metric name (after the name's dots become underscores). Default none. */
  readonly prefix?: string;
  /** Resource attributes to copy onto every series as labels, e.g. `/service\.name/`. */
  readonly withResourceConstantLabels?: RegExp;
  /** Leave out the `target_info` series that carries the resource. */
  readonly withoutTargetInfo?: boolean;
  /** Leave out the `otel_scope_*` labels that name the meter of each series. */
  readonly withoutScopeInfo?: boolean;
}

/** One scrape's answer, ready for any HTTP server. */
export interface MetricsPage {
  readonly contentType: string;
  readonly body: string;
}

export interface PrometheusMetrics {
  /** Register this with the MeterProvider (`setupObservability` does it for `prometheus: true`). */
  readonly reader: MetricReader;
  /** Collects every instrument now and renders the Prometheus text exposition. */
  scrape(): Promise<MetricsPage>;
}

/** The text format Prometheus has always scraped; the serializer writes exactly this. */
const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * A Prometheus reader and its scrape function. The exporter's own HTTP server stays off:
 * `/metrics` belongs on the service's port, behind its auth and health routes.
 *
 * @example
 * ```ts
 * const prometheus = prometheusMetrics();
 * const meterProvider = new MeterProvider({ readers: [prometheus.reader] });
 * createServer(async (_req, res) => {
 *   const { contentType, body } = await prometheus.scrape();
 *   res.writeHead(200, { 'content-type': contentType }).end(body);
 * }).listen(9464);
 * ```
 */
export function prometheusMetrics(options: PrometheusOptions = {}): PrometheusMetrics {
  const reader = new PrometheusExporter({ ...options, preventServerStart: true });
  const serializer = new PrometheusSerializer(
    options.prefix,
    false,
    options.withResourceConstantLabels,
    options.withoutTargetInfo,
    options.withoutScopeInfo,
  );
  return {
    reader,
    async scrape() {
      let collected: Awaited<ReturnType<MetricReader['collect']>>;
      try {
        collected = await reader.collect();
      } catch (error) {
        throw new StateError(
          'The Prometheus reader cannot collect: it must be registered with a live MeterProvider ' +
            '(setupObservability({ prometheus: true }) does that) and not shut down',
          { cause: error },
        );
      }
      // A failing observable callback costs its own series, not the whole page.
      if (collected.errors.length > 0)
        diag.error('Prometheus scrape: some metrics failed to collect', ...collected.errors);
      return { contentType: CONTENT_TYPE, body: serializer.serialize(collected.resourceMetrics) };
    },
  };
}
