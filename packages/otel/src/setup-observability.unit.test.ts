import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { isStateError, isValidationError } from '@whizbang/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  setupObservability,
  type Observability,
  type ObservabilitySetupOptions,
} from './setup-observability.js';

let telemetry: Observability | undefined;
let spans: InMemorySpanExporter;

function setup(options: Partial<ObservabilitySetupOptions> = {}): Observability {
  telemetry = setupObservability({
    serviceName: 'orders',
    otlp: false,
    spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
    ...options,
  });
  return telemetry;
}

beforeEach(() => {
  spans = new InMemorySpanExporter();
});

afterEach(async () => {
  await telemetry?.shutdown();
  telemetry = undefined;
  vi.unstubAllEnvs();
});

describe('setupObservability', () => {
  it('registers a tracer provider: a span made through the API reaches the exporter, with the service resource', () => {
    setup({
      serviceVersion: '1.4.0',
      instanceId: 'pod-7',
      attributes: { 'deployment.environment.name': 'test' },
    });

    trace.getTracer('x').startSpan('PlaceOrder').end();

    const [span, ...rest] = spans.getFinishedSpans();
    expect(rest).toEqual([]);
    expect(span?.name).toBe('PlaceOrder');
    expect(span?.resource.attributes).toMatchObject({
      'service.name': 'orders',
      'service.version': '1.4.0',
      'service.instance.id': 'pod-7',
      'deployment.environment.name': 'test',
      'telemetry.sdk.language': 'nodejs',
    });
  });

  it('gives every process its own service.instance.id unless one is given', () => {
    setup();
    trace.getTracer('x').startSpan('one').end();
    expect(spans.getFinishedSpans()[0]?.resource.attributes['service.instance.id']).toMatch(
      /^[0-9a-f-]{36}$/,
    );
  });

  it('reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES; the options win over both', () => {
    vi.stubEnv('OTEL_SERVICE_NAME', 'from-env');
    vi.stubEnv('OTEL_RESOURCE_ATTRIBUTES', 'team=payments,service.version=0.0.1');
    telemetry = setupObservability({
      serviceVersion: '2.0.0',
      otlp: false,
      spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
    });
    trace.getTracer('x').startSpan('one').end();
    expect(spans.getFinishedSpans()[0]?.resource.attributes).toMatchObject({
      'service.name': 'from-env',
      'service.version': '2.0.0',
      team: 'payments',
    });
  });

  it('refuses to start without a service name', () => {
    vi.stubEnv('OTEL_SERVICE_NAME', '');
    let error: unknown;
    try {
      telemetry = setupObservability({ otlp: false });
    } catch (e) {
      error = e;
    }
    expect(isValidationError(error)).toBe(true);
    expect((error as Error).message).toContain('OTEL_SERVICE_NAME');
  });

  it('carries the active span across await (AsyncLocalStorage context manager)', async () => {
    setup();
    const tracer = trace.getTracer('x');
    await tracer.startActiveSpan('parent', async (parent) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      tracer.startSpan('child').end();
      parent.end();
    });
    const child = spans.getFinishedSpans().find((s) => s.name === 'child');
    const parent = spans.getFinishedSpans().find((s) => s.name === 'parent');
    expect(child?.parentSpanContext?.spanId).toBe(parent?.spanContext().spanId);
    expect(child?.spanContext().traceId).toBe(parent?.spanContext().traceId);
  });

  it('propagates W3C trace context and baggage', () => {
    setup();
    const span = trace.getTracer('x').startSpan('send');
    const withBaggage = propagation.setBaggage(
      trace.setSpan(context.active(), span),
      propagation.createBaggage({ tenant: { value: 'acme' } }),
    );
    const headers: Record<string, string> = {};
    propagation.inject(withBaggage, headers);
    span.end();

    const { traceId, spanId } = span.spanContext();
    expect(headers.traceparent).toBe(`00-${traceId}-${spanId}-01`);
    expect(headers.baggage).toBe('tenant=acme');
    const extracted = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, headers));
    expect(extracted).toMatchObject({ traceId, spanId, isRemote: true });
  });

  it('records nothing at sampleRatio 0, but follows a sampled parent from upstream', () => {
    setup({ sampleRatio: 0 });
    const tracer = trace.getTracer('x');
    const root = tracer.startSpan('dropped');
    expect(root.isRecording()).toBe(false);
    root.end();
    expect(spans.getFinishedSpans()).toEqual([]);

    const upstream = propagation.extract(ROOT_CONTEXT, {
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    tracer.startSpan('kept', {}, upstream).end();
    expect(spans.getFinishedSpans().map((s) => s.name)).toEqual(['kept']);
  });

  it('samples about the asked share of new traces', () => {
    setup({ sampleRatio: 0.25 });
    const tracer = trace.getTracer('x');
    for (let i = 0; i < 2000; i++) tracer.startSpan('maybe').end();
    const kept = spans.getFinishedSpans().length;
    // Trace ids are random: 500 expected, 6 standard deviations either side.
    expect(kept).toBeGreaterThan(380);
    expect(kept).toBeLessThan(620);
  });

  it.each([-0.1, 1.5, Number.NaN])('refuses sampleRatio %s', (ratio) => {
    let error: unknown;
    try {
      setup({ sampleRatio: ratio });
    } catch (e) {
      error = e;
    }
    expect(isValidationError(error)).toBe(true);
    expect((error as Error).message).toContain('sampleRatio');
    // Nothing half-registered: a valid setup works right after.
    setup();
    trace.getTracer('x').startSpan('after').end();
    expect(spans.getFinishedSpans()).toHaveLength(1);
  });

  it('shutdown() removes the globals, so the API is a no-op again and setup can run again', async () => {
    const first = setup();
    await first.shutdown();
    await first.shutdown(); // harmless

    const span = trace.getTracer('x').startSpan('after shutdown');
    expect(span.isRecording()).toBe(false);
    span.end();
    expect(spans.getFinishedSpans()).toEqual([]);
    const headers: Record<string, string> = {};
    propagation.inject(trace.setSpan(context.active(), span), headers);
    expect(headers).toEqual({});

    const again = new InMemorySpanExporter();
    setup({ spanProcessors: [new SimpleSpanProcessor({ exporter: again })] });
    trace.getTracer('x').startSpan('second life').end();
    expect(again.getFinishedSpans().map((s) => s.name)).toEqual(['second life']);
  });

  it('refuses a second setup while the first is live, and leaves the first working', () => {
    setup();
    let error: unknown;
    try {
      setupObservability({ serviceName: 'other', otlp: false });
    } catch (e) {
      error = e;
    }
    expect(isStateError(error)).toBe(true);
    expect((error as Error).message).toContain('shutdown()');

    trace.getTracer('x').startSpan('still here').end();
    expect(spans.getFinishedSpans().map((s) => s.name)).toEqual(['still here']);
  });

  it('works with await using', async () => {
    {
      await using scoped = setupObservability({ serviceName: 'orders', otlp: false });
      expect(trace.getTracer('x').startSpan('in scope').isRecording()).toBe(true);
      expect(scoped.prometheus).toBeUndefined();
    }
    expect(trace.getTracer('x').startSpan('out of scope').isRecording()).toBe(false);
  });
});
