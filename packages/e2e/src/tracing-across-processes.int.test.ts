// One command crossing two processes through RabbitMQ: its trace, its metrics on both sides,
// and its journey. Each service has a store of its own; both record journeys into a third.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace';
import {
  defineCommand,
  defineEvent,
  handle,
  type,
  whizbang,
  type Store,
  type WhizbangApp,
} from '@whizbang/core';
import { pinoLogger, setupObservability, type Observability } from '@whizbang/otel';
import { rabbitmqTransport } from '@whizbang/rabbitmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  brokerUrl,
  deleteByPrefix,
  rabbitmqAvailable,
  runPrefix,
} from '../../rabbitmq/src/test-support/broker.js';
import { postgres, postgresAvailable, schemas } from './test-support/postgres.js';

const available = (await rabbitmqAvailable()) && (await postgresAvailable());
const payments = fileURLToPath(new URL('./test-support/tracing-payments-node.mjs', import.meta.url));

interface RemoteSpan {
  readonly name: string;
  readonly kind: SpanKind;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly attributes: Record<string, unknown>;
  readonly service: string;
}

const PlaceOrder = defineCommand('PlaceOrder', { data: type<{ orderId: string; amount: number }>() });
const ChargeCard = defineCommand('ChargeCard', { data: type<{ orderId: string; amount: number }>() });
const CardCharged = defineEvent('CardCharged', { data: type<{ orderId: string; amount: number }>() });

describe.runIf(available)('tracing across processes (RabbitMQ, PostgreSQL)', () => {
  const db = schemas('wbtrace');
  const [ordersSchema, paymentsSchema, journeysSchema] = [
    db.of('orders'),
    db.of('payments'),
    db.of('journeys'),
  ];
  const prefix = runPrefix('trace');
  const spans = new InMemorySpanExporter();
  const remote: RemoteSpan[] = [];
  let child: ChildProcess;
  let metricsPort: number;
  let observability: Observability;
  let orders: WhizbangApp;
  let journeyStore: Store;
  const charged = new Map<string, () => void>();

  beforeAll(async () => {
    for (const schema of [paymentsSchema, journeysSchema]) await (await db.open(schema)).close();
    child = spawn(process.execPath, [payments, postgres, paymentsSchema, journeysSchema, brokerUrl, prefix], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    metricsPort = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`payments exited with ${code}`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line.startsWith('ready ')) resolve(Number(line.slice(6)));
        else if (line.startsWith('span ')) remote.push(JSON.parse(line.slice(5)) as RemoteSpan);
      });
    });

    observability = setupObservability({
      serviceName: 'orders',
      otlp: false,
      prometheus: true,
      spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
    });
    journeyStore = await db.open(journeysSchema);
    orders = whizbang({
      store: await db.open(ordersSchema),
      logger: pinoLogger({ level: 'warn' }),
      observability: { journeys: { store: journeyStore, flushIntervalMs: 50 } },
      messaging: {
        transport: await rabbitmqTransport({ url: brokerUrl, prefix }),
        service: 'orders',
        commandRoutes: { ChargeCard: 'payments' },
        subscribeTo: ['payments'],
        relay: { pollIntervalMs: 50 },
      },
      handlers: [
        handle(PlaceOrder, (command, ctx) => ctx.send(ChargeCard(command.data)), { name: 'placeOrder' }),
        handle(CardCharged, (event) => charged.get(event.data.orderId)?.(), { name: 'markPaid' }),
      ],
    });
    await orders.start();
    await orders.consumer!.ready;
  }, 60_000);

  afterAll(async () => {
    child.kill('SIGTERM');
    await orders.stop();
    await orders.store.close();
    await journeyStore.close();
    await observability.shutdown();
    await deleteByPrefix(prefix);
    await db.drop();
  });

  it('keeps one trace from the request to the event that comes back, with spans, metrics and a journey', async () => {
    const paid = new Promise<void>((resolve) => charged.set('o-1', resolve));
    const request = trace.getTracer('test').startSpan('POST /orders', { kind: SpanKind.SERVER });
    await context.with(trace.setSpan(context.active(), request), () =>
      orders.send(PlaceOrder({ orderId: 'o-1', amount: 42 }), {
        correlationId: 'journey-1',
        tenantId: 'acme',
      }),
    );
    request.end();
    await paid;
    await orders.journeyRecorder!.flush();

    // Spans end a little after the work they time (a consumer's span after its commit): wait for them.
    const eventually = async <T>(find: () => T | undefined, what: string): Promise<T> => {
      for (let i = 0; i < 200; i++) {
        const found = find();
        if (found !== undefined) return found;
        await new Promise((r) => setTimeout(r, 25));
      }
      const seen = [
        ...spans.getFinishedSpans().map((s) => `orders: ${s.name}`),
        ...remote.map((s) => `payments: ${s.name}`),
      ];
      throw new Error(`no span ${what} among ${seen.join(', ')}`);
    };
    const local = (name: string): Promise<ReadableSpan> =>
      eventually(() => spans.getFinishedSpans().find((s) => s.name === name), `'${name}' in orders`);
    const away = (name: string): Promise<RemoteSpan> =>
      eventually(() => remote.find((s) => s.name === name), `'${name}' in payments`);
    const traceId = request.spanContext().traceId;
    const place = await local('command PlaceOrder');
    expect(place.parentSpanContext?.spanId).toBe(request.spanContext().spanId);

    // orders → payments: the relay publishes in the command's trace; payments' consumer continues it.
    const publish = await local('publish payments.commands');
    expect(publish.kind).toBe(SpanKind.PRODUCER);
    expect(publish.spanContext().traceId).toBe(traceId);
    const consume = await away('process payments.commands');
    expect(consume).toMatchObject({
      traceId,
      kind: SpanKind.CONSUMER,
      parentSpanId: place.spanContext().spanId,
      service: 'payments',
    });
    expect(consume.attributes).toMatchObject({
      'messaging.system': 'rabbitmq',
      'messaging.destination.name': 'payments.commands',
      'messaging.message.conversation_id': 'journey-1',
      'whizbang.tenant_id': 'acme',
    });
    const charge = await away('command ChargeCard');
    expect(charge).toMatchObject({ traceId, parentSpanId: consume.spanId });
    const append = await away('append');
    expect(append).toMatchObject({ traceId, parentSpanId: charge.spanId });
    expect(append.attributes).toMatchObject({ 'db.system.name': 'postgresql' });

    // payments → orders: the event it publishes comes back in the same trace.
    const back = await local('process payments.events');
    expect(back.spanContext().traceId).toBe(traceId);
    expect(back.parentSpanContext?.spanId).toBe(charge.spanId);
    const markPaid = await local('event CardCharged');
    expect(markPaid.parentSpanContext?.spanId).toBe(back.spanContext().spanId);

    // Metrics on both sides.
    const ours = (await observability.prometheus!.scrape()).body;
    expect(ours).toMatch(
      /whizbang_messages_handled_total\{[^}]*whizbang_message_type="PlaceOrder",whizbang_outcome="ok"[^}]*\} 1/,
    );
    expect(ours).toMatch(
      /whizbang_messages_handled_total\{[^}]*whizbang_message_type="CardCharged",whizbang_outcome="ok"[^}]*\} 1/,
    );
    expect(ours).toMatch(
      /whizbang_outbox_published_total\{[^}]*messaging_destination_name="payments.commands"[^}]*\} 1/,
    );
    const theirs = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(theirs).toMatch(
      /whizbang_messages_handled_total\{[^}]*whizbang_message_type="ChargeCard",whizbang_outcome="ok"[^}]*\} 1/,
    );
    expect(theirs).toMatch(/whizbang_append_duration_count\{[^}]*db_system_name="postgresql"[^}]*\} 1/);

    // The journey: both services' steps, in one tree of causes.
    let journey = await orders.journeys.get('journey-1');
    for (let i = 0; i < 100 && (journey?.stepCount ?? 0) < 3; i++) {
      await new Promise((r) => setTimeout(r, 50));
      journey = await orders.journeys.get('journey-1');
    }
    const [root, ...others] = journey?.roots ?? [];
    expect(others).toEqual([]);
    expect(root).toMatchObject({ messageType: 'PlaceOrder', service: 'orders' });
    expect(root?.steps[0]).toMatchObject({ handler: 'placeOrder', traceId, tenantId: 'acme', outcome: 'ok' });
    const [chargeNode] = root?.children ?? [];
    expect(chargeNode).toMatchObject({ messageType: 'ChargeCard', service: 'payments' });
    expect(chargeNode?.steps[0]).toMatchObject({ handler: 'chargeCard', traceId });
    expect(
      chargeNode?.children.map((c) => [c.messageType, c.service, c.steps.map((s) => s.handler)]),
    ).toEqual([['CardCharged', 'orders', ['markPaid']]]);
  }, 60_000);
});
