import { describe, expect, it } from 'vitest';
import { isConcurrencyError } from '../errors/catalog.js';
import { memoryStore } from '../memory/memory-store.js';
import { defineCommand, type } from '../messages/define.js';
import { handle } from '../mediator/handlers.js';
import { memoryTransport } from '../transport/memory-transport.js';
import { whizbang } from './whizbang.js';

const ChargeCard = defineCommand('ChargeCard', { data: type<{ orderId: string }>() });

function ordersApp() {
  const store = memoryStore();
  const app = whizbang({
    store,
    messaging: { transport: memoryTransport(), service: 'orders', commandRoutes: { ChargeCard: 'billing' } },
  });
  return { store, app };
}

describe('app.transaction (unit of work)', () => {
  it('commits appends to several streams and the outgoing messages together', async () => {
    const { store, app } = ordersApp();
    await app.transaction(
      async (uow) => {
        await uow.store.events.appendToStream('order-1', [{ type: 'OrderPlaced', data: {} }], {
          expectedVersion: 'no_stream',
        });
        await uow.store.events.appendToStream('stock-a', [{ type: 'Reserved', data: {} }], {
          expectedVersion: 'no_stream',
        });
        await uow.send(ChargeCard({ orderId: 'o-1' }));
      },
      { correlationId: 'journey-7' },
    );
    expect((await store.events.readStream('order-1')).version).toBe(1);
    expect((await store.events.readStream('stock-a')).version).toBe(1);
    const [outgoing] = await store.outbox.list();
    expect(outgoing).toMatchObject({ destination: 'billing.commands', type: 'ChargeCard' });
    expect(outgoing?.headers['whizbang-correlation-id']).toBe('journey-7');
  });

  it('writes nothing when the work throws', async () => {
    const { store, app } = ordersApp();
    await expect(
      app.transaction(async (uow) => {
        await uow.store.events.appendToStream('order-1', [{ type: 'OrderPlaced', data: {} }]);
        await uow.send(ChargeCard({ orderId: 'o-1' }));
        throw new Error('out of stock');
      }),
    ).rejects.toThrow('out of stock');
    expect((await store.events.readStream('order-1')).exists).toBe(false);
    expect(await store.outbox.list()).toEqual([]);
  });

  it('runs the whole work again on a concurrency conflict, and gives up after the policy', async () => {
    const { store, app } = ordersApp();
    await store.events.appendToStream('order-1', [{ type: 'OrderPlaced', data: {} }]);
    let attempts = 0;
    await app.transaction(async (uow) => {
      attempts++;
      // The first attempt decides on a stale version, as if another writer had just appended.
      const version = attempts === 1 ? 0 : (await uow.store.events.readStream('order-1')).version;
      await uow.store.events.appendToStream('order-1', [{ type: 'OrderConfirmed', data: {} }], {
        expectedVersion: version,
      });
      await uow.send(ChargeCard({ orderId: 'o-1' }));
    });
    expect(attempts).toBe(2);
    expect((await store.events.readStream('order-1')).version).toBe(2);
    expect(await store.outbox.list()).toHaveLength(1); // the failed attempt's message is gone with it

    await expect(
      app.transaction(
        (uow) =>
          uow.store.events
            .appendToStream('order-1', [{ type: 'X', data: {} }], { expectedVersion: 0 })
            .then(() => undefined),
        { retry: { maxAttempts: 3, baseDelayMs: 1 } },
      ),
    ).rejects.toSatisfy(isConcurrencyError);
  });
});

describe('ctx.transaction (a unit of work inside a handler)', () => {
  const Reserve = defineCommand('Reserve', { data: type<{ orderId: string; fail?: boolean }>() });
  const reserve = handle(Reserve, (command, ctx) =>
    ctx.transaction(async (uow) => {
      const { orderId, fail } = command.data;
      await uow.store.events.lockStreams(['stock-a', `order-${orderId}`]);
      const stock = await uow.store.events.readStream('stock-a');
      await uow.store.events.appendToStreams([
        {
          stream: 'stock-a',
          events: [{ type: 'Reserved', data: { orderId } }],
          expectedVersion: stock.version,
        },
        { stream: `order-${orderId}`, events: [{ type: 'Placed', data: {} }], expectedVersion: 'no_stream' },
      ]);
      await uow.send(ChargeCard({ orderId }));
      if (fail) throw new Error('card declined');
      return uow.store !== ctx.store;
    }),
  );

  function app() {
    const store = memoryStore();
    return {
      store,
      app: whizbang({
        store,
        handlers: [reserve],
        messaging: {
          transport: memoryTransport(),
          service: 'orders',
          commandRoutes: { ChargeCard: 'billing' },
        },
      }),
    };
  }

  it("commits the handler's appends and messages together in a transaction of its own, for its tenant", async () => {
    const { store, app: orders } = app();
    expect(await orders.send(Reserve({ orderId: 'o-1' }), { tenantId: 'acme' })).toBe(true);
    expect((await store.events.readStream('order-o-1', { tenantId: 'acme' })).version).toBe(1);
    expect((await store.events.readStream('order-o-1')).exists).toBe(false);
    expect(await store.outbox.list()).toMatchObject([
      { type: 'ChargeCard', destination: 'billing.commands' },
    ]);
  });

  it('writes nothing when the work throws', async () => {
    const { store, app: orders } = app();
    await expect(orders.send(Reserve({ orderId: 'o-1', fail: true }))).rejects.toThrow('card declined');
    expect((await store.events.readStream('stock-a')).exists).toBe(false);
    expect(await store.outbox.list()).toEqual([]);
  });

  it('joins the transaction it already runs in', async () => {
    const { store, app: orders } = app();
    await expect(
      orders.transaction(async (uow) => {
        expect(await uow.send(Reserve({ orderId: 'o-1' }))).toBe(false); // the same transaction
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect((await store.events.readStream('stock-a')).exists).toBe(false);
  });

  it('with a retry policy, runs its own transaction again on a conflict, and leaves a joined one to its owner', async () => {
    const Bump = defineCommand('Bump', { data: type<{}>() });
    let attempts = 0;
    const store = memoryStore();
    const bumps = whizbang({
      store,
      handlers: [
        handle(Bump, (_command, ctx) =>
          ctx.transaction(
            async (uow) => {
              attempts++;
              const { version } = await uow.store.events.readStream('counter');
              // As if another writer had got in first, on the first two attempts of each transaction.
              const raced = attempts % 3 !== 0;
              await uow.store.events.appendToStream('counter', [{ type: 'Bumped', data: {} }], {
                expectedVersion: raced ? version + 1 : version,
              });
            },
            { retry: { maxAttempts: 3, baseDelayMs: 1 } },
          ),
        ),
      ],
    });
    await bumps.send(Bump({}));
    expect(attempts).toBe(3);
    expect((await store.events.readStream('counter')).version).toBe(1);

    // Inside a transaction the handler does not own, the conflict goes to its owner at once:
    // the owner's own policy (one attempt here) decides, and the handler ran once.
    attempts = 0;
    const error = await bumps
      .transaction((uow) => uow.send(Bump({})), { retry: { maxAttempts: 1 } })
      .catch((caught: unknown) => caught);
    expect(isConcurrencyError(error)).toBe(true);
    expect(attempts).toBe(1);
  });
});
