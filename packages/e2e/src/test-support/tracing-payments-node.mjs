// A child process of the tracing test: the payments service, on PostgreSQL and RabbitMQ (a store
// of its own, journeys in the store the test names), with
// its own OpenTelemetry SDK. Every span it ends is written to stdout as a JSON line
// (`span {...}`), and its Prometheus page is served on a port it prints (`ready <port>`).
import { createServer } from 'node:http';
import { appendOptionsFrom, defineCommand, defineEvent, handle, type, whizbang } from '@whizbang/core';
import { setupObservability, pinoLogger } from '@whizbang/otel';
import { postgresStore } from '@whizbang/postgres';
import { rabbitmqTransport } from '@whizbang/rabbitmq';
import { SimpleSpanProcessor } from '@opentelemetry/sdk-trace';

const [connectionString, schema, journeysSchema, url, prefix] = process.argv.slice(2);

/** Writes each ended span as one line the test parses. */
const stdoutExporter = {
  export(spans, done) {
    for (const span of spans)
      process.stdout.write(
        `span ${JSON.stringify({
          name: span.name,
          kind: span.kind,
          traceId: span.spanContext().traceId,
          spanId: span.spanContext().spanId,
          parentSpanId: span.parentSpanContext?.spanId,
          attributes: span.attributes,
          service: span.resource.attributes['service.name'],
        })}\n`,
      );
    done({ code: 0 });
  },
  shutdown: async () => undefined,
};

const observability = setupObservability({
  serviceName: 'payments',
  otlp: false,
  prometheus: true,
  spanProcessors: [new SimpleSpanProcessor({ exporter: stdoutExporter })],
});

const ChargeCard = defineCommand('ChargeCard', { data: type() });
const CardCharged = defineEvent('CardCharged', { data: type() });

const app = whizbang({
  store: postgresStore({ connectionString, schema }),
  logger: pinoLogger({ level: 'warn' }),
  observability: {
    journeys: { store: postgresStore({ connectionString, schema: journeysSchema }), flushIntervalMs: 50 },
  },
  messaging: {
    transport: await rabbitmqTransport({ url, prefix }),
    service: 'payments',
    publishedEvents: ['CardCharged'],
    relay: { pollIntervalMs: 50 },
  },
  handlers: [
    handle(
      ChargeCard,
      async (command, ctx) => {
        const { orderId, amount } = command.data;
        await ctx.store.events.appendToStream(
          `payment-${orderId}`,
          [CardCharged({ orderId, amount })],
          appendOptionsFrom(ctx),
        );
        await ctx.publish(CardCharged({ orderId, amount }));
      },
      { name: 'chargeCard' },
    ),
  ],
});
await app.start();

const server = createServer((_request, response) => {
  void observability.prometheus.scrape().then(({ contentType, body }) => {
    response.writeHead(200, { 'content-type': contentType });
    response.end(body);
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`ready ${server.address().port}\n`));

process.once('SIGTERM', () => {
  server.close();
  void app
    .stop()
    .then(() => observability.shutdown())
    .finally(() => process.exit(0));
});
