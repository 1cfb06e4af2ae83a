import { expect, it, vi } from 'vitest';
import { memoryStore } from '@whizbang/core';
import { deadLetters, inOneProcess, scheduling, unitOfWork } from './messaging.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('docs/messaging.md samples run', async () => {
  const ordersStore = memoryStore();
  const paymentsStore = memoryStore();
  const { orders, payments, paid } = await inOneProcess(ordersStore, paymentsStore);
  try {
    for (let i = 0; i < 200 && paid.length === 0; i++) await sleep(10);
    expect(paid).toEqual(['o-1']);
    expect((await paymentsStore.events.readStream('payment-o-1')).events).toHaveLength(1);

    await unitOfWork(orders, 'o-3', 'beans');
    expect((await ordersStore.events.readStream('stock-beans')).version).toBe(1);
    for (let i = 0; i < 200 && paid.length < 2; i++) await sleep(10);
    expect(paid).toEqual(['o-1', 'o-3']);

    await scheduling(orders);
    expect(await ordersStore.outbox.list()).toEqual([]);

    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    await deadLetters(payments); // none yet: nothing failed
    expect(log).not.toHaveBeenCalled();
    log.mockRestore();
  } finally {
    await orders.stop();
    await payments.stop();
  }
});
