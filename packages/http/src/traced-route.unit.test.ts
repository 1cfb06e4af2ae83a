// The HTTP edge under an OpenTelemetry SDK: a request continues the caller's trace, the command
// it becomes is its child, and its duration is on the Prometheus page at `/metrics`.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { jsonLogger, memoryStore } from '@whizbang/core';
import { setupObservability, type Observability } from '@whizbang/otel';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { httpApi } from './http-api.js';
import { accountsApp, GetAccount, OpenAccount } from './test-support/accounts.js';

let observability: Observability;
let spans: InMemorySpanExporter;

beforeEach(() => {
  spans = new InMemorySpanExporter(); // a shut-down exporter keeps nothing
  observability = setupObservability({
    serviceName: 'accounts',
    otlp: false,
    prometheus: true,
    spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
  });
});
afterEach(() => observability.shutdown());

function edge() {
  const app = accountsApp(memoryStore(), { logger: jsonLogger({ level: 'silent' }) });
  // #region metrics-route
  const api = httpApi(app, {
    routes: (r) => r.post('/accounts', OpenAccount, { status: 201 }).get('/accounts/:accountId', GetAccount),
    metrics: { handler: () => observability.prometheus!.scrape() }, // GET /metrics
  });
  // #endregion
  return api;
}

const CALLER = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };

describe('traced routes', () => {
  it('serves each request as a SERVER span in the caller’s trace, with the command as its child', async () => {
    const api = edge();
    const response = await api.request('/accounts', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        traceparent: `00-${CALLER.traceId}-${CALLER.spanId}-01`,
      },
      body: JSON.stringify({ accountId: 'a-1', owner: 'Ada' }),
    });
    expect(response.status).toBe(201);
    const server = spans.getFinishedSpans().find((s) => s.name === 'POST /accounts');
    expect(server?.kind).toBe(SpanKind.SERVER);
    expect(server?.spanContext().traceId).toBe(CALLER.traceId);
    expect(server?.parentSpanContext?.spanId).toBe(CALLER.spanId);
    expect(server?.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/accounts',
      'url.path': '/accounts',
      'http.response.status_code': 201,
    });
    const command = spans.getFinishedSpans().find((s) => s.name === 'command OpenAccount');
    expect(command?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
  });

  it('names the route, not the path, and marks only server errors as failed', async () => {
    const api = edge();
    expect((await api.request('/accounts/nobody')).status).toBe(404);
    const get = spans.getFinishedSpans().find((s) => s.name === 'GET /accounts/:accountId');
    expect(get?.attributes).toMatchObject({
      'http.response.status_code': 404,
      'url.path': '/accounts/nobody',
    });
    expect(get?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('serves the metrics page, with request durations by route and status', async () => {
    const api = edge();
    await api.request('/accounts/nobody');
    const page = await api.request('/metrics');
    expect(page.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await page.text()).toMatch(
      /whizbang_http_server_request_duration_count\{[^}]*http_route="\/accounts\/:accountId"[^}]*http_response_status_code="404"[^}]*\} 1/,
    );
  });
});
