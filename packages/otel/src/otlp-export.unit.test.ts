import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metrics, trace } from '@opentelemetry/api';
import { isValidationError } from '@whizbang/core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { setupObservability, type Observability } from './setup-observability.js';

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A stand-in OTLP/HTTP collector: answers 200 and keeps what it was sent. */
let collector: Server;
let collectorUrl: string;
let received: Received[] = [];

beforeAll(async () => {
  collector = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  collector.listen(0, '127.0.0.1');
  await once(collector, 'listening');
  collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
});

afterAll(() => {
  collector.close();
});

let telemetry: Observability | undefined;

afterEach(async () => {
  await telemetry?.shutdown();
  telemetry = undefined;
  received = [];
  vi.unstubAllEnvs();
});

const spanNames = (r: Received): string[] =>
  (
    JSON.parse(r.body) as {
      resourceSpans: { scopeSpans: { spans: { name: string }[] }[] }[];
    }
  ).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name)));

describe('OTLP export', () => {
  it('posts spans to <url>/v1/traces and metrics to <url>/v1/metrics, with the configured headers', async () => {
    telemetry = setupObservability({
      serviceName: 'orders',
      otlp: { url: `${collectorUrl}/`, headers: { 'x-api-key': 'k-123' } },
    });
    const span = trace.getTracer('@whizbang/core').startSpan('PlaceOrder');
    span.end();
    metrics.getMeter('@whizbang/core').createCounter('whizbang.messages.handled').add(1);

    await telemetry.forceFlush();

    const traces = received.filter((r) => r.path === '/v1/traces');
    expect(traces).toHaveLength(1);
    expect(traces[0]?.headers['x-api-key']).toBe('k-123');
    expect(traces[0]?.headers['content-type']).toBe('application/json');
    expect(traces.map(spanNames)).toEqual([['PlaceOrder']]);
    expect(traces[0]?.body).toContain(span.spanContext().traceId);
    expect(traces[0]?.body).toContain('"stringValue":"orders"');

    const exported = received.filter((r) => r.path === '/v1/metrics');
    expect(exported.length).toBeGreaterThan(0);
    expect(exported.map((r) => r.body).join('')).toContain('"name":"whizbang.messages.handled"');
  });

  it('follows OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_EXPORTER_OTLP_HEADERS when no otlp option is given', async () => {
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', collectorUrl);
    vi.stubEnv('OTEL_EXPORTER_OTLP_HEADERS', 'authorization=Bearer%20t-1');
    telemetry = setupObservability({ serviceName: 'orders' });
    trace.getTracer('x').startSpan('from env').end();

    await telemetry.forceFlush();

    const traces = received.filter((r) => r.path === '/v1/traces');
    expect(traces.map(spanNames)).toEqual([['from env']]);
    expect(traces[0]?.headers.authorization).toBe('Bearer t-1');
  });

  it('exports nothing with otlp: false, whatever the environment says', async () => {
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', collectorUrl);
    telemetry = setupObservability({ serviceName: 'orders', otlp: false });
    trace.getTracer('x').startSpan('kept home').end();
    metrics.getMeter('x').createCounter('c').add(1);

    await telemetry.forceFlush();

    expect(received).toEqual([]);
  });

  it('refuses a url that is not one', () => {
    let error: unknown;
    try {
      telemetry = setupObservability({ serviceName: 'orders', otlp: { url: 'localhost:4318' } });
    } catch (e) {
      error = e;
    }
    expect(isValidationError(error)).toBe(true);
    expect((error as Error).message).toContain('otlp.url');
  });
});
