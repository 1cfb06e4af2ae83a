/**
 * `@whizbang/otel`: the application side of Whizbang's observability. Whizbang's packages
 * record spans and metrics through `@opentelemetry/api` only; this package registers the SDK
 * that sends them somewhere (OTLP, Prometheus), and builds the pino logger that puts trace ids
 * on every line.
 */
export {
  setupObservability,
  type Observability,
  type ObservabilitySetupOptions,
} from './setup-observability.js';
export type { ServiceIdentity } from './service-resource.js';
export type { OtlpOptions } from './otlp-export.js';
export {
  prometheusMetrics,
  type MetricsPage,
  type PrometheusMetrics,
  type PrometheusOptions,
} from './prometheus-metrics.js';
export { pinoLogger, type PinoLoggerOptions } from './pino-logger.js';
export { traceFields, type LogTraceFields } from './trace-fields.js';
