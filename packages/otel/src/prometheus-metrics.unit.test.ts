import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metrics } from '@opentelemetry/api';
import {
  AggregationType,
  createAllowListAttributesProcessor,
  MeterProvider,
} from '@opentelemetry/sdk-metrics';
import { isStateError } from '@whizbang/core';
import { afterEach, describe, expect, it } from 'vitest';
import { prometheusMetrics } from './prometheus-metrics.js';
import { setupObservability, type Observability } from './setup-observability.js';

let telemetry: Observability | undefined;

afterEach(async () => {
  await telemetry?.shutdown();
  telemetry = undefined;
});

/** The instruments core creates, recorded the way core records them. */
function recordLikeCore() {
  const meter = metrics.getMeter('@whizbang/core');
  meter
    .createCounter('whizbang.messages.handled', { description: 'Messages handled' })
    .add(3, { 'messaging.message.type': 'PlaceOrder', outcome: 'ok' });
  meter
    .createHistogram('whizbang.handler.duration', {
      unit: 's',
      description: 'Handler duration',
      advice: { explicitBucketBoundaries: [0.005, 0.05, 0.5, 5] },
    })
    .record(0.012, { 'messaging.message.type': 'PlaceOrder' });
  meter
    .createGauge('whizbang.projection.lag.seconds', { unit: 's', description: 'How far behind the log' })
    .record(1.5, { projection: 'order-summaries' });
}

describe('prometheusMetrics', () => {
  it('renders what was recorded through metrics.getMeter with Prometheus names and labels', async () => {
    telemetry = setupObservability({
      serviceName: 'orders',
      serviceVersion: '1.4.0',
      otlp: false,
      prometheus: true,
    });
    recordLikeCore();

    const page = await telemetry.prometheus!.scrape();

    expect(page.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    const lines = page.body.split('\n');
    expect(lines).toContain('# TYPE whizbang_messages_handled_total counter');
    expect(lines).toContain(
      'whizbang_messages_handled_total{messaging_message_type="PlaceOrder",outcome="ok",otel_scope_name="@whizbang/core"} 3',
    );
    expect(lines).toContain('# TYPE whizbang_handler_duration histogram');
    // The instrument's advice sets the buckets; the default ones are meant for milliseconds.
    expect(lines).toContain(
      'whizbang_handler_duration_bucket{messaging_message_type="PlaceOrder",otel_scope_name="@whizbang/core",le="0.05"} 1',
    );
    expect(lines).toContain(
      'whizbang_handler_duration_bucket{messaging_message_type="PlaceOrder",otel_scope_name="@whizbang/core",le="0.005"} 0',
    );
    expect(lines).toContain(
      'whizbang_projection_lag_seconds{projection="order-summaries",otel_scope_name="@whizbang/core"} 1.5',
    );
    expect(page.body).toMatch(/^target_info\{[^}]*service_name="orders"[^}]*service_version="1\.4\.0"/m);
  });

  it('counts on between scrapes (cumulative), as Prometheus expects', async () => {
    telemetry = setupObservability({ serviceName: 'orders', otlp: false, prometheus: true });
    const counter = metrics.getMeter('@whizbang/core').createCounter('whizbang.messages.handled');
    counter.add(2);
    await telemetry.prometheus!.scrape();
    counter.add(5);
    expect((await telemetry.prometheus!.scrape()).body).toMatch(
      /^whizbang_messages_handled_total\{[^}]*\} 7$/m,
    );
  });

  it('applies metric views, e.g. other buckets and fewer attributes', async () => {
    telemetry = setupObservability({
      serviceName: 'orders',
      otlp: false,
      prometheus: { withoutScopeInfo: true },
      views: [
        {
          instrumentName: 'whizbang.handler.duration',
          aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: [0.1, 1] } },
          attributesProcessors: [createAllowListAttributesProcessor(['outcome'])],
        },
      ],
    });
    metrics
      .getMeter('@whizbang/core')
      .createHistogram('whizbang.handler.duration', { unit: 's' })
      .record(0.5, { outcome: 'ok', 'messaging.message.type': 'PlaceOrder' });

    const lines = (await telemetry.prometheus!.scrape()).body.split('\n');

    expect(lines.filter((l) => l.startsWith('whizbang_handler_duration_bucket'))).toEqual([
      'whizbang_handler_duration_bucket{outcome="ok",le="0.1"} 0',
      'whizbang_handler_duration_bucket{outcome="ok",le="1"} 1',
      'whizbang_handler_duration_bucket{outcome="ok",le="+Inf"} 1',
    ]);
  });

  it('applies the prefix and the label options', async () => {
    telemetry = setupObservability({
      serviceName: 'orders',
      otlp: false,
      prometheus: { prefix: 'acme', withoutScopeInfo: true, withoutTargetInfo: true },
    });
    metrics.getMeter('@whizbang/core').createCounter('whizbang.messages.handled').add(1, { outcome: 'ok' });

    const { body } = await telemetry.prometheus!.scrape();

    expect(body).toContain('acme_whizbang_messages_handled_total{outcome="ok"} 1');
    expect(body).not.toContain('target_info');
  });

  it('serves /metrics from a plain node http server', async () => {
    const prometheus = prometheusMetrics();
    const meterProvider = new MeterProvider({ readers: [prometheus.reader] });
    meterProvider.getMeter('@whizbang/core').createCounter('whizbang.messages.handled').add(4);
    const server = createServer((_request, response) => {
      void prometheus.scrape().then(({ contentType, body }) => {
        response.writeHead(200, { 'content-type': contentType }).end(body);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(await response.text()).toMatch(/^whizbang_messages_handled_total\{[^}]*\} 4$/m);
    } finally {
      server.close();
      await meterProvider.shutdown();
    }
  });

  it('tells the caller when its reader is not registered with a meter provider', async () => {
    const error = await prometheusMetrics()
      .scrape()
      .catch((e: unknown) => e);
    expect(isStateError(error)).toBe(true);
    expect((error as Error).message).toContain('registered with a live MeterProvider');
  });
});
