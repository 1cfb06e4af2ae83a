/**
 * The orders service's observability, over real HTTP on SQLite, set up as `npm start`
 * sets it up: after an order is placed and confirmed, `/metrics` shows what the service did
 * (messages, handler, append and request latencies, the projection daemon, the outbox), and an
 * admin reads the placement's journey at `/journeys/:correlationId`; a customer is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORRELATION_ID_HEADER } from '@whizbang/http';
import { PLACE_ORDER_BUDGET_MS } from '../app/place-order.js';
import { setupOrdersObservability, type OrdersObservability } from './observability.js';
import { startOrdersHttp, type OrdersHttp } from './server.js';
import { sqlite, type OpenStore } from './test-support/backends.js';
import { call, expectProblem, JWT } from './test-support/client.js';
import { seedTenant, type SeededTenant } from './test-support/service.js';

describe('observability of the orders service', () => {
  const logLines: string[] = [];
  let observability: OrdersObservability;
  let opened: OpenStore;
  let http: OrdersHttp;
  let ids: SeededTenant;
  beforeAll(async () => {
    // One per process (the OpenTelemetry globals), before the app; shut down after it.
    observability = setupOrdersObservability({
      otlp: false,
      logDestination: { write: (line: string) => void logLines.push(line) },
    });
    opened = await sqlite.open();
    http = await startOrdersHttp({
      store: opened.store,
      port: 0,
      hostname: '127.0.0.1',
      jwt: JWT,
      ...observability.service,
    });
    // The placement goes with `X-Correlation-Id: <order id>`: its journey's id.
    ids = await seedTenant(http.url, 'acme');
    const confirmed = await call(http.url, {
      method: 'POST',
      path: `/orders/${ids.orderId}/confirm`,
      token: ids.admin,
      body: {},
      headers: { 'if-match': '"1"' },
    });
    if (confirmed.status !== 200) throw new Error(`confirm: ${confirmed.status} ${await confirmed.text()}`);
    await http.app.waitForProjections(); // sales per product, the deadline saga, shipping notices
    await http.app.journeyRecorder!.flush(); // steps are written every 250 ms otherwise
  });
  afterAll(async () => {
    try {
      await http?.close();
    } finally {
      await observability?.shutdown();
      await opened?.close();
    }
  });

  it('serves the Prometheus page at /metrics, without a token', async () => {
    const response = await call(http.url, { method: 'GET', path: '/metrics' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const page = await response.text();
    // A series of `name` (a pattern) with every one of `labels`, and its value.
    const series = (name: string, ...labels: string[]) =>
      new RegExp(`^${name}\\{${labels.map((l) => `(?=[^}]*${l})`).join('')}[^}]*\\} \\S+`, 'm');
    const positive = (name: string, ...labels: string[]) =>
      new RegExp(`^${name}\\{${labels.map((l) => `(?=[^}]*${l})`).join('')}[^}]*\\} [1-9]`, 'm');
    // Histograms in seconds: `_seconds` before the suffix in some exporter versions, not others.
    const histogram = (name: string, suffix: string) => `${name}(?:_seconds)?_${suffix}`;

    expect(page).toMatch(
      positive('whizbang_messages_handled_total', 'message_type="PlaceOrder"', 'outcome="ok"'),
    );
    expect(page).toMatch(
      positive('whizbang_messages_handled_total', 'message_type="ConfirmOrder"', 'outcome="ok"'),
    );
    expect(page).toMatch(positive(histogram('whizbang_handler_duration', 'count'), 'type="PlaceOrder"'));
    expect(page).toMatch(series(histogram('whizbang_handler_duration', 'bucket'), 'type="ConfirmOrder"'));
    expect(page).toMatch(positive(histogram('whizbang_append_duration', 'count'), 'db_system_name="sqlite"'));
    expect(page).toMatch(
      positive(
        histogram('whizbang_http_server_request_duration', 'count'),
        'http_route="/orders"',
        'http_request_method="POST"',
        'http_response_status_code="201"',
      ),
    );
    // The daemon: the async read model (sales per product), the deadline saga, the reactor.
    expect(page).toMatch(positive('whizbang_projection_events_total', 'projection="product-sales"'));
    expect(page).toMatch(
      positive('whizbang_projection_events_total', 'projection="saga.confirmation-deadline"'),
    );
    expect(page).toMatch(series('whizbang_projection_lag_positions', 'projection="product-sales"'));
    expect(page).toMatch(series('whizbang_projection_lag_seconds', 'projection="shipping-notices"'));
    expect(page).toMatch(/^whizbang_outbox_backlog(\{[^}]*\})? \d+/m);
    // The service, in the resource: named, and at the example's version.
    expect(page).toMatch(series('target_info', 'service_name="orders"', 'service_version="0\\.1\\.0"'));
    // Nothing of a tenant's on a page served without a token.
    expect(page).not.toMatch(new RegExp(`acme|${ids.orderId}|${ids.customerId}|Ada of Acme`));
  });

  it("gives an admin the journey of the placement, by the request's correlation id", async () => {
    const response = await call(http.url, {
      method: 'GET',
      path: `/journeys/${ids.orderId}`,
      token: ids.admin,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      correlationId: ids.orderId,
      outcome: 'ok',
      truncated: false,
      roots: [
        {
          messageType: 'PlaceOrder',
          kind: 'command',
          steps: [
            expect.objectContaining({
              correlationId: ids.orderId,
              tenantId: 'acme',
              outcome: 'ok',
              budget: { maxLatencyMs: PLACE_ORDER_BUDGET_MS, exceeded: expect.any(Boolean) },
            }),
          ],
          // What it caused: its OrderPlaced event started the confirmation-deadline saga.
          children: expect.arrayContaining([
            expect.objectContaining({
              messageType: 'OrderPlaced',
              steps: expect.arrayContaining([
                expect.objectContaining({ kind: 'saga', handler: 'confirmation-deadline', outcome: 'ok' }),
              ]),
            }),
          ]),
        },
      ],
    });
  });

  it('refuses a customer with 403, and logs the refusal', async () => {
    const response = await call(http.url, {
      method: 'GET',
      path: `/journeys/${ids.orderId}`,
      token: ids.customer,
      headers: { [CORRELATION_ID_HEADER]: 'refused-journey-read' },
    });
    await expectProblem(response, 403, 'WHIZBANG_FORBIDDEN');
    const denials = logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line['event'] === 'whizbang.authorization.denied');
    expect(denials).toEqual([
      expect.objectContaining({
        service: 'orders',
        principalId: ids.customerId,
        tenantId: 'acme',
        messageType: 'GetJourney',
        permission: 'journeys:read',
        correlationId: 'refused-journey-read',
      }),
    ]);
  });

  it('answers 404 for a journey with nothing recorded', async () => {
    const response = await call(http.url, {
      method: 'GET',
      path: '/journeys/never-seen-0001',
      token: ids.admin,
    });
    expect(await expectProblem(response, 404, 'WHIZBANG_NOT_FOUND')).toMatchObject({
      instance: '/journeys/never-seen-0001',
    });
  });
});
