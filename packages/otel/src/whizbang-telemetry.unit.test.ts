// What Whizbang's core records once an SDK is registered: spans and their links, metrics on the
// Prometheus page, trace ids in handler logs. In-process, on the memory store.
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace';
import {
  appendOptionsFrom,
  defineCommand,
  defineSaga,
  type MessageOf,
  defineEvent,
  defineProjection,
  handle,
  memoryStore,
  type,
  whizbang,
  ValidationError,
} from '@whizbang/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pinoLogger } from './pino-logger.js';
import { setupObservability, type Observability } from './setup-observability.js';

const PlaceOrder = defineCommand('PlaceOrder', { data: type<{ id: string; fail?: boolean }>() });
const ReserveStock = defineCommand('ReserveStock', { data: type<{ id: string }>() });
const OrderPlaced = defineEvent('OrderPlaced', { data: type<{ id: string }>() });
const OrderNoted = defineEvent('OrderNoted', { data: type<{ id: string }>() });

const summaries = defineProjection<{ count: number }>({
  name: 'orderCounts',
  lifecycle: 'async',
  identity: () => 'all',
  initialState: () => ({ count: 0 }),
  handlers: { OrderPlaced: (doc) => ({ count: doc.count + 1 }) },
});

let observability: Observability;
let spans: InMemorySpanExporter;

beforeEach(() => {
  spans = new InMemorySpanExporter();
  observability = setupObservability({
    serviceName: 'orders',
    otlp: false,
    prometheus: true,
    spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
  });
});

afterEach(async () => {
  await observability.shutdown();
});

function ordersApp(lines: string[] = []) {
  const logger = pinoLogger({ destination: { write: (line: string) => void lines.push(line) } });
  return whizbang({
    store: memoryStore(),
    logger,
    projections: [summaries],
    daemon: { pollIntervalMs: 20 },
    handlers: [
      handle(
        PlaceOrder,
        async (command, ctx) => {
          if (command.data.fail)
            throw new ValidationError([{ message: 'no items', path: ['items'] }], 'PlaceOrder');
          await ctx.store.events.appendToStream(
            `order-${command.data.id}`,
            [OrderPlaced({ id: command.data.id })],
            appendOptionsFrom(ctx),
          );
          ctx.log.info({ orderId: command.data.id }, 'order placed');
          await ctx.send(ReserveStock({ id: command.data.id }));
          await ctx.publish(OrderNoted({ id: command.data.id }));
        },
        { name: 'placeOrder' },
      ),
      handle(ReserveStock, () => undefined, { name: 'reserveStock' }),
      handle(OrderNoted, () => undefined, { name: 'audit' }),
      handle(OrderNoted, () => undefined, { name: 'mailer' }),
    ],
  });
}

const named = (name: string): ReadableSpan => {
  const found = spans.getFinishedSpans().filter((s) => s.name === name);
  const [first, ...more] = found;
  if (first === undefined || more.length > 0) throw new Error(`${found.length} spans named '${name}'`);
  return first;
};
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('Whizbang under an OpenTelemetry SDK', () => {
  it('traces a command, its append, the command and event it causes, and the projection batch', async () => {
    const lines: string[] = [];
    const app = ordersApp(lines);
    await app.start();
    const root = trace.getTracer('test').startSpan('request');
    await context.with(trace.setSpan(context.active(), root), () =>
      app.send(PlaceOrder({ id: 'o-1' }), { tenantId: 'acme', correlationId: 'corr-1' }),
    );
    root.end();
    await app.waitForProjections();
    await app.stop();

    const place = named('command PlaceOrder');
    expect(place.spanContext().traceId).toBe(root.spanContext().traceId);
    expect(parentOf(place)).toBe(root.spanContext().spanId);
    expect(place.attributes).toMatchObject({
      'whizbang.message.kind': 'command',
      'whizbang.message.type': 'PlaceOrder',
      'whizbang.handler': 'placeOrder',
      'whizbang.tenant_id': 'acme',
      'messaging.message.conversation_id': 'corr-1',
    });
    const append = named('append');
    expect(parentOf(append)).toBe(place.spanContext().spanId);
    expect(append.attributes).toMatchObject({
      'db.system.name': 'memory',
      'whizbang.stream': 'order-o-1',
      'whizbang.event_count': 1,
    });
    expect(parentOf(named('command ReserveStock'))).toBe(place.spanContext().spanId);
    const noted = spans.getFinishedSpans().filter((s) => s.name === 'event OrderNoted');
    expect(noted.map((s) => String(s.attributes['whizbang.handler'])).toSorted()).toEqual([
      'audit',
      'mailer',
    ]);
    for (const span of noted) expect(parentOf(span)).toBe(place.spanContext().spanId);

    // A batch spans many traces: a root of its own, linked to the spans that appended its events.
    const batch = named('project orderCounts');
    expect(parentOf(batch)).toBeUndefined();
    expect(batch.links.map((l) => l.context.spanId)).toEqual([place.spanContext().spanId]);
    expect(batch.attributes).toMatchObject({
      'whizbang.projection': 'orderCounts',
      'whizbang.event_count': 1,
    });

    // The handler's log line names its trace.
    const line = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l['msg'] === 'order placed');
    expect(line).toMatchObject({
      trace_id: place.spanContext().traceId,
      correlationId: 'corr-1',
      tenantId: 'acme',
      messageType: 'PlaceOrder',
      orderId: 'o-1',
    });
  });

  it('continues the trace through a scheduled command and a saga timeout', async () => {
    const Started = defineEvent('Started', { data: type<{ id: string }>() });
    const Start = defineCommand('Start', { data: type<{ id: string }>() });
    const Remind = defineCommand('Remind', { data: type<{ id: string }>() });
    const reminders = defineSaga<{ nudged: boolean }, MessageOf<typeof Started>>({
      name: 'reminders',
      startedBy: [Started],
      correlate: { Started: (e) => e.data.id },
      initialState: () => ({ nudged: false }),
      handlers: { Started: (_s, _e, saga) => saga.requestTimeout('nudge', { delayMs: 1 }) },
      timeouts: { nudge: (_s, _t, saga) => saga.complete() },
    });
    let markReminded!: () => void;
    const reminded = new Promise<void>((resolve) => (markReminded = resolve));
    const app = whizbang({
      store: memoryStore(),
      logger: pinoLogger({ level: 'silent' }),
      sagas: [reminders],
      daemon: { pollIntervalMs: 10 },
      localDelivery: { relay: { pollIntervalMs: 10 } },
      handlers: [
        handle(Start, (command, ctx) =>
          ctx.store.events
            .appendToStream(`r-${command.data.id}`, [Started(command.data)], appendOptionsFrom(ctx))
            .then(() => undefined),
        ),
        handle(Remind, () => markReminded()),
      ],
    });
    await app.start();
    const root = trace.getTracer('test').startSpan('request');
    await context.with(trace.setSpan(context.active(), root), async () => {
      await app.schedule(Remind({ id: 'r-1' }), { delayMs: 1 });
      await app.send(Start({ id: 'r-1' }));
    });
    root.end();
    await reminded;
    for (
      let i = 0;
      i < 200 && !spans.getFinishedSpans().some((s) => s.name === 'command whizbang.SagaTimeout');
      i++
    )
      await new Promise((r) => setTimeout(r, 10));
    await app.stop();

    const traceId = root.spanContext().traceId;
    const remind = named('command Remind');
    expect(remind.spanContext().traceId).toBe(traceId);
    expect(parentOf(remind)).toBe(root.spanContext().spanId);
    const sagaSteps = spans.getFinishedSpans().filter((s) => s.name === 'saga reminders');
    expect(sagaSteps.map((s) => s.attributes['whizbang.saga.trigger'])).toEqual(['message', 'timeout']);
    for (const step of sagaSteps) expect(step.spanContext().traceId).toBe(traceId);
    const [started, timedOut] = sagaSteps;
    expect(started && parentOf(started)).toBe(named('command Start').spanContext().spanId);
    const timeout = named('command whizbang.SagaTimeout');
    expect(parentOf(timeout)).toBe(started?.spanContext().spanId);
    expect(timedOut && parentOf(timedOut)).toBe(timeout.spanContext().spanId);
  });

  it('marks a failed handler span with its error code, and counts the outcome', async () => {
    const app = ordersApp();
    await expect(app.send(PlaceOrder({ id: 'o-2', fail: true }))).rejects.toThrow('no items');
    const failed = named('command PlaceOrder');
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed.attributes['error.type']).toBe('WHIZBANG_VALIDATION');
    expect(failed.events.map((e) => e.name)).toContain('exception');

    const page = (await observability.prometheus!.scrape()).body;
    expect(page).toMatch(
      /whizbang_messages_handled_total\{[^}]*whizbang_message_type="PlaceOrder"[^}]*whizbang_outcome="error"[^}]*\} 1/,
    );
  });

  it('puts handled messages, latencies, appends, projection progress and lag on the Prometheus page', async () => {
    const app = ordersApp();
    await app.start();
    await app.send(PlaceOrder({ id: 'o-3' }));
    await app.send(PlaceOrder({ id: 'o-4' }));
    await app.waitForProjections();
    const page = (await observability.prometheus!.scrape()).body;
    await app.stop();
    const sample = (pattern: string) => new RegExp(`^${pattern} (\\S+)$`, 'm').exec(page)?.[1];
    expect(
      sample(
        'whizbang_messages_handled_total\\{[^}]*whizbang_message_type="ReserveStock"[^}]*outcome="ok"[^}]*\\}',
      ),
    ).toBe('2');
    expect(sample('whizbang_handler_duration_count\\{[^}]*whizbang_message_type="PlaceOrder"[^}]*\\}')).toBe(
      '2',
    );
    // Seconds, with buckets below a millisecond: a fast handler is not lumped into one bucket.
    expect(page).toMatch(/whizbang_handler_duration_bucket\{[^}]*le="0.0005"[^}]*\}/);
    expect(sample('whizbang_append_duration_count\\{db_system_name="memory"[^}]*\\}')).toBe('2');
    expect(sample('whizbang_projection_events_total\\{[^}]*whizbang_projection="orderCounts"[^}]*\\}')).toBe(
      '2',
    );
    expect(sample('whizbang_projection_lag_positions\\{[^}]*whizbang_projection="orderCounts"[^}]*\\}')).toBe(
      '0',
    );
    expect(sample('whizbang_outbox_backlog\\{[^}]*\\}')).toBe('0');
    expect(sample('whizbang_outbox_oldest_age\\{[^}]*\\}')).toBe('0');
  });

  it('counts budget violations', async () => {
    const Slow = defineCommand('Slow', { data: type<Record<string, never>>() });
    const app = whizbang({
      store: memoryStore(),
      logger: pinoLogger({ level: 'silent' }),
      handlers: [
        handle(Slow, () => new Promise((r) => setTimeout(r, 15)), {
          name: 'slow',
          budget: { maxLatencyMs: 5 },
        }),
      ],
    });
    await app.send(Slow({}));
    const page = (await observability.prometheus!.scrape()).body;
    expect(page).toMatch(/whizbang_budget_violations_total\{[^}]*whizbang_handler="slow"[^}]*\} 1/);
  });

  it('takes a metric prefix', async () => {
    const app = whizbang({
      store: memoryStore(),
      logger: pinoLogger({ level: 'silent' }),
      handlers: [handle(ReserveStock, () => undefined)],
      observability: { metricPrefix: 'shop' },
    });
    await app.send(ReserveStock({ id: 'x' }));
    expect((await observability.prometheus!.scrape()).body).toMatch(/^shop_messages_handled_total\{/m);
  });
});

describe('Whizbang without an SDK', () => {
  it('records nothing per message when no provider is registered as the app is made', async () => {
    await observability.shutdown();
    const app = ordersApp();
    expect(app.telemetry.tracer).toBeUndefined();
    expect(app.telemetry.metrics).toBeUndefined();
  });
});
