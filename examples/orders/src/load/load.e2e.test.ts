/**
 * `npm run load`'s smoke test: a short run of the mix against the service on SQLite, over real
 * HTTP, with the fulfillment saga on as `npm start` runs it (the payment confirms the orders).
 * It must get answers, reach the back office's shipping, and meet no error at all: a refusal
 * is either one the mix expects (a lost race) or a failure of the test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlite } from '../http/test-support/backends.js';
import { JWT } from '../http/test-support/client.js';
import { startService, type RunningService } from '../http/test-support/service.js';
import { LOAD_MIX } from './mix.js';
import { formatLoadReport } from './report.js';
import { runLoad } from './run-load.js';

describe('npm run load, for a moment', () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startService(sqlite, { fulfillment: {} });
  });
  afterAll(() => service?.close());

  it('drives every operation of the mix and reports throughput, percentiles, lost races and no errors', async () => {
    const report = await runLoad({
      url: service.url,
      jwt: JWT,
      seconds: 3,
      connections: 4,
      warmupSeconds: 0,
    });
    const lines = formatLoadReport(report);

    expect(report.overall.requests).toBeGreaterThan(20);
    expect(report.overall.throughput).toBeGreaterThan(0);
    expect(report.overall.p50Ms).toBeGreaterThan(0);
    expect(report.overall.p99Ms).toBeGreaterThanOrEqual(report.overall.p50Ms);
    expect({ errors: report.overall.errors, report: lines }).toMatchObject({ errors: {} });
    expect(lines).toContain('errors: none');
    const seen = report.operations.map((o) => o.operation);
    expect(seen).toEqual(
      expect.arrayContaining(['browse', 'place', 'get-order', 'list-my-orders', 'list-to-ship', 'ship']),
    );
    expect(seen.every((operation) => operation in LOAD_MIX)).toBe(true);
    const statuses = (operation: string) =>
      report.operations.find((o) => o.operation === operation)?.statuses;
    expect(statuses('place')?.[201]).toBeGreaterThan(0);
    // Paid by the payment service and confirmed by the saga, then shipped by the back office.
    expect(statuses('ship')?.[200]).toBeGreaterThan(0);
    expect(lines.some((line) => /^throughput: \d+\.\d requests\/s; p50 /.test(line))).toBe(true);
  });
});
