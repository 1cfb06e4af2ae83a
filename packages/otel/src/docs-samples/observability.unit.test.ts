import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { defineQuery, handle, memoryStore, type } from '@whizbang/core';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { logInSpan, metricsServer, orderLogger, startService, telemetryForTests } from './observability.js';

const Ping = defineQuery('Ping', { data: type<Record<string, never>>(), result: type<string>() });

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('docs/observability.md samples', () => {
  it('sets up, serves /metrics from a node server, and shuts down', async () => {
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', '');
    const { app, telemetry, stop } = await startService(memoryStore(), [handle(Ping, () => 'pong')]);
    const server = metricsServer(telemetry, 0);
    try {
      await once(server, 'listening');
      expect(await app.query(Ping({}))).toBe('pong');
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

      const metrics = await fetch(`${base}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toMatch(/^target_info\{[^}]*service_name="orders"/m);
      expect((await fetch(`${base}/other`)).status).toBe(404);
    } finally {
      server.close();
      await stop();
    }
    expect(trace.getTracer('x').startSpan('after stop').isRecording()).toBe(false);
  });

  it('logs with trace ids and censors secrets and personal data', async () => {
    const { spans, telemetry } = telemetryForTests();
    try {
      const logger = orderLogger();
      const lines: string[] = [];
      // Catch what pino writes to standard output.
      const stdout = Reflect.get(logger, pino.symbols.streamSym) as { write(line: string): boolean };
      vi.spyOn(stdout, 'write').mockImplementation((line: string) => lines.push(line) > 0);

      logInSpan(logger);

      const ids = spans.getFinishedSpans()[0]?.spanContext();
      expect(ids?.traceId).toMatch(/^[0-9a-f]{32}$/);
      const [line] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(line).toMatchObject({
        service: 'orders',
        trace_id: ids?.traceId,
        span_id: ids?.spanId,
        trace_flags: '01',
        orderId: 'o-1',
        customer: { name: 'Ada', email: '[Redacted]', address: '[Redacted]' },
        authorization: '[Redacted]',
        msg: 'order placed',
      });
      // The field order the doc shows.
      expect(Object.keys(line ?? {})).toEqual([
        'level',
        'time',
        'pid',
        'hostname',
        'service',
        'trace_id',
        'span_id',
        'trace_flags',
        'orderId',
        'customer',
        'authorization',
        'msg',
      ]);
    } finally {
      await telemetry.shutdown();
    }
  });
});
