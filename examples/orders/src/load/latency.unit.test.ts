import { describe, expect, it } from 'vitest';
import { latencyRecorder, percentile } from './latency.js';

describe('percentile (nearest rank)', () => {
  it('is the smallest sample with at least p percent of the samples at or below it', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4, 5], 50)).toBe(3);
    // With fewer than 100 samples, p99 is the largest: one slow request is the tail.
    expect(percentile([1, 1, 1, 1, 1, 1, 1, 1, 1, 40], 99)).toBe(40);
  });

  it('is a sample, never an interpolation, and NaN for no samples', () => {
    expect(percentile([10, 20], 50)).toBe(10);
    expect(percentile([7], 0)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('latencyRecorder', () => {
  it('sums each operation and the whole: requests, throughput, percentiles, statuses', () => {
    const recorder = latencyRecorder();
    for (let ms = 1; ms <= 100; ms++) recorder.record('browse', { status: 200 }, ms);
    recorder.record('place', { status: 201 }, 5);
    recorder.record('place', { status: 409, code: 'INSUFFICIENT_STOCK', expected: true }, 7);
    recorder.record('place', { status: 0 }, 30_000);
    recorder.record('place', { status: 500, code: 'WHIZBANG_INTERNAL' }, 3);

    const summary = recorder.summary(2);
    expect(summary.seconds).toBe(2);
    expect(summary.operations.map((o) => o.operation)).toEqual(['browse', 'place']);
    expect(summary.operations[0]).toEqual({
      operation: 'browse',
      requests: 100,
      throughput: 50,
      p50Ms: 50,
      p99Ms: 99,
      maxMs: 100,
      statuses: { 200: 100 },
      expected: {},
      errors: {},
    });
    expect(summary.operations[1]).toMatchObject({
      requests: 4,
      p50Ms: 5,
      maxMs: 30_000,
      statuses: { 0: 1, 201: 1, 409: 1, 500: 1 },
      expected: { '409 INSUFFICIENT_STOCK': 1 },
      errors: { '0': 1, '500 WHIZBANG_INTERNAL': 1 },
    });
    expect(summary.overall).toMatchObject({
      operation: 'all',
      requests: 104,
      throughput: 52,
      p50Ms: 49, // the 52nd of 104: 1-49 and the three quick places
      maxMs: 30_000,
      statuses: { 0: 1, 200: 100, 201: 1, 409: 1, 500: 1 },
      expected: { '409 INSUFFICIENT_STOCK': 1 },
      errors: { '0': 1, '500 WHIZBANG_INTERNAL': 1 },
    });
  });

  it('counts a refusal nobody expected as an error, by status and code', () => {
    const recorder = latencyRecorder();
    recorder.record('ship', { status: 409, code: 'ORDER_NOT_CONFIRMED', expected: true }, 1);
    recorder.record('ship', { status: 403, code: 'WHIZBANG_FORBIDDEN' }, 1);
    recorder.record('ship', { status: 409, code: 'ORDER_NOT_CONFIRMED' }, 1);
    expect(recorder.summary(1).overall).toMatchObject({
      statuses: { 403: 1, 409: 2 },
      expected: { '409 ORDER_NOT_CONFIRMED': 1 },
      errors: { '403 WHIZBANG_FORBIDDEN': 1, '409 ORDER_NOT_CONFIRMED': 1 },
    });
  });

  it('sums the operations of each class apart, and leaves an operation of no class to the whole', () => {
    const recorder = latencyRecorder();
    recorder.record('place', { status: 201 }, 10); // a write first: the classes still come by name
    recorder.record('browse', { status: 200 }, 1);
    recorder.record('get-order', { status: 200 }, 3);
    recorder.record('ship', { status: 409, code: 'ORDER_NOT_CONFIRMED', expected: true }, 20);
    recorder.record('place', { status: 201 }, 30);
    recorder.record('unclassed', { status: 200 }, 100);
    const classes = { browse: 'reads', 'get-order': 'reads', place: 'writes', ship: 'writes' };

    const summary = recorder.summary(1, (operation) => classes[operation as keyof typeof classes]);
    expect(summary.classes).toEqual([
      {
        operation: 'reads',
        requests: 2,
        throughput: 2,
        p50Ms: 1,
        p99Ms: 3,
        maxMs: 3,
        statuses: { 200: 2 },
        expected: {},
        errors: {},
      },
      {
        operation: 'writes',
        requests: 3,
        throughput: 3,
        p50Ms: 20, // of 10, 20, 30: percentiles over the class's own samples, not of its operations'
        p99Ms: 30,
        maxMs: 30,
        statuses: { 201: 2, 409: 1 },
        expected: { '409 ORDER_NOT_CONFIRMED': 1 },
        errors: {},
      },
    ]);
    expect(summary.overall).toMatchObject({ requests: 6, maxMs: 100 });
    expect(recorder.summary(1).classes).toEqual([]);
  });

  it('reports no throughput for a run of no time, and no percentiles without samples', () => {
    const summary = latencyRecorder().summary(0);
    expect(summary.operations).toEqual([]);
    expect(summary.overall).toMatchObject({ requests: 0, throughput: 0, expected: {}, errors: {} });
    expect(summary.overall.p50Ms).toBeNaN();
  });
});
