/**
 * The soak test of the topology: `npm run topology` (two API nodes, two daemon nodes and the
 * payment service, each its own process from the built entries) on PostgreSQL and RabbitMQ, and
 * on NATS when it answers, under the same load and shop as soak.e2e.test.ts for SOAK_SECONDS, in
 * schemas and broker names of its own, removed afterwards. Each tenant's shoppers and its back
 * office spread over both API nodes, so an order placed on one may be read, shipped or cancelled
 * on the other; the daemon nodes run the sagas and the read models; the payment service charges
 * from its own store, over the broker.
 *
 * Then, once the whole system is quiet (both stores, both outboxes and the broker: settle.ts),
 * the same checks as the single process's soak (soak-checks.ts): every answer one the mix may
 * get; the log holding every order, shipment, cancellation and restock answered, once, and
 * nothing else; stock and credit held and conserved; no order left unpaid, no message parked;
 * and what an API node shows, the daemon-built sales included, as the log says. The nodes'
 * memory is not watched.
 *
 * SOAK_SECONDS (default 8: 45 to 50 s for the file, both brokers, on two cores) runs it longer:
 * `SOAK_SECONDS=600 npx vitest run --project e2e examples/orders/src/load/topology-soak.e2e.test.ts`
 * for a real soak (build first: it starts the built entries).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topologies, type RunningDeployment } from '../topology/test-support/deployments.js';
import { soakChecks } from './test-support/soak-checks.js';
import {
  DECLINE_ABOVE_CENTS,
  driveShop,
  settleAndRead,
  SOAK_HOOK_TIMEOUT_MS,
  SOAK_SECONDS,
  type SettledSoak,
} from './test-support/soak-run.js';

const built = fileURLToPath(new URL('../../dist/topology/main.js', import.meta.url));

/** What the nodes warned of, by node and event (`api-1 whizbang.budget.exceeded×12`): the retries, the slow commands. */
function warnings(lines: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const line of lines) {
    const [, node, level, event] = /^(\S+) +\| \{"level":(\d+),.*?"event":"([^"]+)"/.exec(line) ?? [];
    if (node === undefined || Number(level) < 40) continue;
    const key = `${node} ${event}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, n]) => `${key}×${n}`).join(', ') || 'none';
}

describe.each(await topologies())(`$name under the load mix for ${SOAK_SECONDS} s`, (deployment) => {
  let running: RunningDeployment | undefined;
  let soak: SettledSoak;

  beforeAll(async () => {
    if (!existsSync(built)) throw new Error(`${built} is missing: build first (npx tsc -b; npm test does)`);
    running = await deployment.start({ declineAboveCents: DECLINE_ABOVE_CENTS, demo: false });
    const run = await driveShop(running.apiUrls);
    soak = await settleAndRead(run, { ...running.stores, brokerMessages: running.brokerMessages });
    console.log(`Node warnings: ${warnings(running.lines)}`);
  }, SOAK_HOOK_TIMEOUT_MS);

  afterAll(async () => {
    await running?.cleanUp();
  }, 60_000);

  it('drove both API nodes', () => {
    expect(running?.apiUrls).toHaveLength(2);
    expect(soak.run.report.urls).toEqual(running?.apiUrls);
  });

  soakChecks(
    () => soak,
    // Either node serves every view; the daemon nodes built the sales.
    () => running?.apiUrls.at(-1) ?? '',
  );
});
