/**
 * `npm run load`'s smoke test: a short run of the mix against the service on SQLite, over real
 * HTTP. It must get answers, and never a 5xx or a dropped request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlite } from '../http/test-support/backends.js';
import { JWT } from '../http/test-support/client.js';
import { startService, type RunningService } from '../http/test-support/service.js';
import { LOAD_MIX } from './mix.js';
import { errorCounts, formatLoadReport } from './report.js';
import { runLoad } from './run-load.js';

describe('npm run load, for a moment', () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startService(sqlite);
  });
  afterAll(() => service?.close());

  it('drives every operation of the mix and reports throughput, percentiles and no server errors', async () => {
    const report = await runLoad({
      url: service.url,
      jwt: JWT,
      seconds: 1.5,
      connections: 4,
      warmupSeconds: 0,
    });
    const lines = formatLoadReport(report);

    expect(report.overall.requests).toBeGreaterThan(20);
    expect(report.overall.throughput).toBeGreaterThan(0);
    expect(report.overall.p50Ms).toBeGreaterThan(0);
    expect(report.overall.p99Ms).toBeGreaterThanOrEqual(report.overall.p50Ms);
    const errors = errorCounts(report.overall);
    expect(Object.keys(errors).filter((status) => Number(status) >= 500 || status === '0')).toEqual([]);
    // Orders were placed and moved along: the mix reached past placing.
    const seen = report.operations.map((o) => o.operation);
    expect(seen).toEqual(
      expect.arrayContaining(['browse', 'place', 'confirm', 'get-order', 'list-my-orders']),
    );
    expect(seen.every((operation) => operation in LOAD_MIX)).toBe(true);
    expect(report.operations.find((o) => o.operation === 'place')?.statuses[201]).toBeGreaterThan(0);
    expect(lines.some((line) => /^throughput: \d+\.\d requests\/s; p50 /.test(line))).toBe(true);
  });
});
