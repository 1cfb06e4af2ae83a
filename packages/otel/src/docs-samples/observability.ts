/** Samples for docs/observability.md; observability.unit.test.ts runs them. */
import { createServer, type Server } from 'node:http';
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { whizbang, type HandlerRegistration, type Store } from '@whizbang/core';
import { pinoLogger, setupObservability, type Observability } from '@whizbang/otel';
import type { Logger } from 'pino';

export async function startService(store: Store, handlers: readonly HandlerRegistration[]) {
  // #region setup
  // First, before the app is built: Whizbang creates its instruments in whizbang({...}).
  const telemetry = setupObservability({
    serviceName: 'orders',
    serviceVersion: '1.4.0',
    attributes: { 'deployment.environment.name': 'production' },
    sampleRatio: 0.25, // a quarter of new traces; a request that arrives sampled stays sampled
    prometheus: true,
  });
  const app = whizbang({ store, handlers });
  await app.start();

  async function stop() {
    await app.stop();
    await telemetry.shutdown(); // exports the last spans and metrics, then removes the globals
  }
  // #endregion
  return { app, telemetry, stop };
}

export function metricsServer(telemetry: Observability, port: number): Server {
  // #region node-metrics
  const server = createServer((request, response) => {
    if (request.url !== '/metrics' || !telemetry.prometheus) {
      response.writeHead(404).end();
      return;
    }
    telemetry.prometheus.scrape().then(
      ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType }).end(body),
      () => response.writeHead(500).end(),
    );
  });
  // #endregion
  return server.listen(port);
}

export function orderLogger(): Logger {
  // #region logger
  const logger = pinoLogger({
    serviceName: 'orders',
    redactKeys: ['email'], // personal data: censored at any depth, like the secrets
    redact: ['customer.address'], // personal data at one known path
  });
  // #endregion
  return logger;
}

export function logInSpan(logger: Logger): void {
  // #region log-line
  trace.getTracer('orders').startActiveSpan('PlaceOrder', (span) => {
    const customer = { name: 'Ada', email: 'ada@example.com', address: '1 Main St' };
    logger.info({ orderId: 'o-1', customer, authorization: 'Bearer eyJhbGciOi' }, 'order placed');
    span.end();
  });
  // {"level":30,"time":…,"pid":…,"hostname":"…","service":"orders",
  //  "trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","trace_flags":"01",
  //  "orderId":"o-1","customer":{"name":"Ada","email":"[Redacted]","address":"[Redacted]"},
  //  "authorization":"[Redacted]","msg":"order placed"}
  // #endregion
}

export function telemetryForTests() {
  // #region in-memory
  const spans = new InMemorySpanExporter();
  const telemetry = setupObservability({
    serviceName: 'orders-test',
    otlp: false,
    spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
  });
  // ... run the code under test, then:
  // expect(spans.getFinishedSpans().map((s) => s.name)).toContain('command PlaceOrder');
  // #endregion
  return { spans, telemetry };
}
