import { expect, it, vi } from 'vitest';
import { memoryStore, ProjectionDaemon, readProjectionRegistry, waitForProjections } from '@whizbang/core';
import {
  bestCustomers,
  customerTotals,
  eventCounts,
  operate,
  readAfterWrite,
  repairTenant,
  runNode,
} from './projections.js';

it('docs/projections.md samples run', async () => {
  await using store = memoryStore();
  await store.events.appendToStream('order-1', [
    { type: 'OrderPlaced', data: {} },
    { type: 'OrderShipped', data: {} },
  ]);
  await runNode(store, 'node-a'); // starts and stops cleanly
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const daemon = new ProjectionDaemon({
    store,
    projections: [eventCounts],
    leaseTtlMs: 600,
    pollIntervalMs: 20,
  });
  await daemon.start();
  try {
    expect(await readAfterWrite(store, 'order-1')).toBe(2);
    await operate(store);
    expect(log).toHaveBeenCalledTimes(4 + 1);
    for (let i = 0; (await readProjectionRegistry(store, eventCounts.name))?.active.generation !== 2; i++) {
      expect(i, 'the rebuild is switched in').toBeLessThan(200);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(await readAfterWrite(store, 'order-1')).toBe(2);
  } finally {
    log.mockRestore();
    await daemon.stop();
  }
});

it('docs/projections.md table sample runs', async () => {
  await using store = memoryStore();
  for (const [customerId, totalCents] of [
    ['ann', 500],
    ['bob', 900],
    ['ann', 700],
  ] as const)
    await store.events.appendToStream(`order-${customerId}-${totalCents}`, [
      { type: 'OrderPlaced', data: { customerId, totalCents } },
    ]);
  const daemon = new ProjectionDaemon({ store, projections: [customerTotals], pollIntervalMs: 20 });
  await daemon.start();
  try {
    await waitForProjections(store, [customerTotals]);
    const { best, name } = await bestCustomers(store);
    expect(name).toBe('customer_totals');
    expect(best).toEqual([
      { customer_id: 'ann', orders: 2, total_cents: 1200 },
      { customer_id: 'bob', orders: 1, total_cents: 900 },
    ]);
  } finally {
    await daemon.stop();
  }
});

it('docs/projections.md tenant rebuild sample runs', async () => {
  await using store = memoryStore();
  for (const tenantId of ['acme', 'globex'])
    await store.events.appendToStream('order-1', [{ type: 'OrderPlaced', data: {} }], { tenantId });
  const daemon = new ProjectionDaemon({ store, projections: [eventCounts], pollIntervalMs: 20 });
  await daemon.start();
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    await waitForProjections(store, [eventCounts]);
    const { collection } = eventCounts;
    await store.documents.put(collection, 'order-1', { count: 40 }, { tenantId: 'acme' });
    const globex = await store.documents.get(collection, 'order-1', { tenantId: 'globex' });
    expect(await repairTenant(store, 'acme')).toMatchObject({ events: 1, written: 1, deleted: 0 });
    expect((await store.documents.get(collection, 'order-1', { tenantId: 'acme' }))?.data).toEqual({
      count: 1,
    });
    expect(await store.documents.get(collection, 'order-1', { tenantId: 'globex' })).toEqual(globex);
    expect(log).toHaveBeenCalledWith('1 events folded: 1 written, 0 deleted');
  } finally {
    log.mockRestore();
    await daemon.stop();
  }
});
