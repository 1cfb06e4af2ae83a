import { describe, expect, it } from 'vitest';
import { memoryStore } from '@whizbang/core';
import { settle } from './settle.js';

const quickly = { quietMs: 20, timeoutMs: 300 } as const;
const message = (id: string, deliverAt?: Date) => ({
  id,
  destination: 'payments.commands',
  type: 'ChargePayment',
  body: '{}',
  ...(deliverAt !== undefined && { deliverAt }),
});

describe('settling after a load', () => {
  it('is quiet at once when nothing waits anywhere', async () => {
    await expect(settle(memoryStore(), quickly)).resolves.toBeDefined();
  });

  it('is not quiet while a message waits in the outbox to be delivered, in either store', async () => {
    const orders = memoryStore();
    await orders.outbox.add([message('due')]);
    await expect(settle(orders, quickly)).rejects.toThrow(/still busy.*outboxes and on the broker: 1, 0/);

    const payments = memoryStore();
    await payments.outbox.add([message('due')]);
    await expect(settle(memoryStore(), { ...quickly, payments })).rejects.toThrow(/: 0, 1, 0$/);
  });

  it('counts a delivery that failed and waits for its next attempt, not a deadline due days later', async () => {
    const store = memoryStore();
    const later = new Date(Date.now() + 2 * 24 * 3_600_000);
    await store.outbox.add([message('deadline', later)]);
    await expect(settle(store, quickly)).resolves.toBeDefined();

    await store.outbox.add([message('retried')]);
    const [claimed] = await store.outbox.claim('relay', { leaseMs: 1_000 });
    await store.outbox.release('relay', [claimed?.id ?? ''], { retryAt: later, error: 'broker away' });
    await expect(settle(store, quickly)).rejects.toThrow(/still busy/);
  });

  it('is not quiet while the broker still holds messages', async () => {
    await expect(settle(memoryStore(), { ...quickly, brokerBacklog: async () => 2 })).rejects.toThrow(
      /: 0, 2$/,
    );
  });
});
