/**
 * The orders service's observability, set up once per process and before the app is made (the
 * app makes its tracer and instruments when it is built): OpenTelemetry traces and metrics with
 * a Prometheus page, OTLP export when `OTEL_EXPORTER_OTLP_ENDPOINT` (or a per-signal endpoint)
 * is set, the pino logger, and message journeys recorded in the service's store.
 */
import { readFileSync } from 'node:fs';
import { pinoLogger, setupObservability, type PinoLoggerOptions } from '@whizbang/otel';
import type { OrdersHttpOptions } from './server.js';

export interface OrdersObservabilityOptions {
  /** The service in every span, metric and log line (default `orders`; the payment service's process: `payments`). */
  readonly serviceName?: string;
  /** The share of journeys recorded, 0 to 1, the same ones on every node (default 1: all). */
  readonly journeySampleRate?: number;
  /** The lowest level logged (default `LOG_LEVEL`, else `info`). */
  readonly logLevel?: string;
  /** Where log lines go (default standard output). */
  readonly logDestination?: PinoLoggerOptions['destination'];
  /** `false`: no OTLP export whatever the environment says (a test's spans stay in the test). */
  readonly otlp?: false;
}

export interface OrdersObservability extends AsyncDisposable {
  /** What `startOrdersHttp` takes from it: the app's logger, its journeys, the `/metrics` page. */
  readonly service: Required<Pick<OrdersHttpOptions, 'logger' | 'observability' | 'metrics'>>;
  /**
   * Exports the last spans and metrics and removes the process's OpenTelemetry globals, so a
   * later setup may register again. Call it once the service has stopped.
   */
  shutdown(): Promise<void>;
}

/** The service's version in every span and metric: the example's package.json's. */
function packageVersion(): string {
  const manifest = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/**
 * @example
 * const observability = setupOrdersObservability({ journeySampleRate: 0.1 });
 * const http = await startOrdersHttp({ store, jwt, ...observability.service });
 * // on SIGTERM:
 * await http.close();
 * await observability.shutdown();
 */
export function setupOrdersObservability(options: OrdersObservabilityOptions = {}): OrdersObservability {
  // The logger first: a bad level throws before anything is registered for the process.
  const serviceName = options.serviceName ?? 'orders';
  const logger = pinoLogger({
    serviceName,
    ...(options.logLevel !== undefined && { level: options.logLevel }),
    ...(options.logDestination !== undefined && { destination: options.logDestination }),
  });
  const telemetry = setupObservability({
    serviceName,
    serviceVersion: packageVersion(),
    prometheus: true,
    ...(options.otlp === false && { otlp: false }),
  });
  const prometheus = telemetry.prometheus!; // asked for just above
  return {
    service: {
      logger,
      observability: { journeys: { sampleRate: options.journeySampleRate ?? 1 } },
      metrics: { handler: () => prometheus.scrape() },
    },
    shutdown: () => telemetry.shutdown(),
    [Symbol.asyncDispose]: () => telemetry.shutdown(),
  };
}
