import { describe, expect, it } from 'vitest';
import { latencyRecorder } from './latency.js';
import { OPERATION_CLASSES, type Operation } from './mix.js';
import { formatLoadReport } from './report.js';
import type { LoadReport } from './run-load.js';

function report(
  record: (r: ReturnType<typeof latencyRecorder>) => void,
  urls: readonly string[] = ['http://127.0.0.1:3000'],
): LoadReport {
  const recorder = latencyRecorder();
  record(recorder);
  return {
    ...recorder.summary(2, (operation) => OPERATION_CLASSES[operation as Operation]),
    urls,
    connections: 4,
    warmupSeconds: 1,
    tenants: ['load-1', 'load-2'],
    products: 16,
    shop: [],
    clientCpu: 0.25,
  };
}

describe('the load report', () => {
  it('has a row per operation, one per class and one for the whole, and tells lost races from errors', () => {
    const lines = formatLoadReport(
      report((r) => {
        r.record('browse', { status: 200 }, 2);
        r.record('browse', { status: 200 }, 4);
        r.record('place', { status: 201 }, 8);
        r.record('place', { status: 409, code: 'INSUFFICIENT_STOCK', expected: true }, 6);
        r.record('place', { status: 503, code: 'WHIZBANG_TRANSPORT_UNAVAILABLE' }, 9);
        r.record('place', { status: 0 }, 50);
        r.record('ship', { status: 409, code: 'ORDER_NOT_CONFIRMED', expected: true }, 3);
        r.record('ship', { status: 403, code: 'WHIZBANG_FORBIDDEN' }, 1);
      }),
    );
    expect(lines[0]).toBe(
      'Load against http://127.0.0.1:3000: 2.0 s measured after 1 s of warm-up, 4 connections, tenants load-1 and load-2, 16 products',
    );
    expect(lines).toContain('operation  requests  req/s  p50 ms  p99 ms  max ms  statuses');
    expect(lines).toContain('browse            2    1.0    2.00    4.00    4.00  200×2');
    expect(lines).toContain(
      'place             4    2.0    8.00   50.00   50.00  no answer×1 201×1 409×1 503×1',
    );
    expect(lines).toContain('ship              2    1.0    1.00    3.00    3.00  403×1 409×1');
    expect(lines).toContain('reads             2    1.0    2.00    4.00    4.00  200×2');
    expect(lines).toContain(
      'writes            6    3.0    6.00   50.00   50.00  no answer×1 201×1 403×1 409×2 503×1',
    );
    // Operations, then classes, then the whole.
    expect(lines.findIndex((line) => line.startsWith('ship '))).toBeLessThan(
      lines.findIndex((line) => line.startsWith('reads ')),
    );
    expect(lines.findIndex((line) => line.startsWith('writes '))).toBeLessThan(
      lines.findIndex((line) => line.startsWith('all ')),
    );
    expect(lines).toContain(
      'all               8    4.0    4.00   50.00   50.00  no answer×1 200×2 201×1 403×1 409×2 503×1',
    );
    expect(lines).toContain('throughput: 4.0 requests/s; p50 4.00 ms, p99 50.00 ms');
    expect(lines).toContain(
      'expected refusals (lost races, not errors): place 409 INSUFFICIENT_STOCK×1, ship 409 ORDER_NOT_CONFIRMED×1',
    );
    expect(lines).toContain(
      'errors: no answer×1, 403 WHIZBANG_FORBIDDEN×1, 503 WHIZBANG_TRANSPORT_UNAVAILABLE×1 (5xx: 1)',
    );
    expect(lines.at(-1)).toBe('load client CPU: 25% of one core');
  });

  it('names every API node the load was spread over', () => {
    const spread = report((r) => r.record('browse', { status: 200 }, 1), ['http://a:3000', 'http://b:3001']);
    expect(formatLoadReport(spread)[0]).toMatch(/^Load against http:\/\/a:3000 and http:\/\/b:3001: /);
  });

  it('says so when nothing failed or was refused', () => {
    const done = report((r) => r.record('browse', { status: 200 }, 1));
    expect(done.overall.errors).toEqual({});
    expect(formatLoadReport(done)).toEqual(
      expect.arrayContaining(['expected refusals: none', 'errors: none']),
    );
  });
});
