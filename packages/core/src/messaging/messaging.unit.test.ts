import { afterEach, describe, expect, it } from 'vitest';
import { whizbang, type WhizbangApp, type WhizbangOptions } from '../app/whizbang.js';
import { isStateError } from '../errors/catalog.js';
import { memoryStore } from '../memory/memory-store.js';
import { handle } from '../mediator/handlers.js';
import { defineCommand, defineEvent, type } from '../messages/define.js';
import type { Store } from '../store/ports.js';
import { MemoryBroker, memoryTransport } from '../transport/memory-transport.js';
import type { Transport } from '../transport/transport.js';
import { encodeEnvelope } from './envelope-codec.js';
import type { MessagingOptions } from './messaging-options.js';

const ChargeCard = defineCommand('ChargeCard', { data: type<{ orderId: string; amount: number }>() });
const CardCharged = defineEvent('CardCharged', { data: type<{ orderId: string }>() });
const PlaceOrder = defineCommand('PlaceOrder', { data: type<{ orderId: string; amount: number }>() });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const started: WhizbangApp[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((app) => app.stop()));
});

async function service(
  options: Omit<WhizbangOptions, 'messaging'> & { readonly messaging: MessagingOptions },
): Promise<WhizbangApp> {
  const app = whizbang({
    ...options,
    messaging: {
      relay: { pollIntervalMs: 50 },
      retry: { initialDelayMs: 5, maxDelayMs: 20 },
      ...options.messaging,
    },
  });
  await app.start();
  started.push(app);
  return app;
}

/** Billing: charges cards (appending to the order's payment stream), publishes CardCharged. */
function billing(
  store: Store,
  transport: Transport,
  fail?: (orderId: string) => boolean,
  onError?: (error: unknown) => void,
) {
  return service({
    store,
    messaging: {
      transport,
      service: 'billing',
      publishedEvents: ['CardCharged'],
      ...(onError && { onError }),
    },
    handlers: [
      handle(ChargeCard, async (command, ctx) => {
        if (fail?.(command.data.orderId)) throw new Error(`card declined for ${command.data.orderId}`);
        await ctx.store.events.appendToStream(
          `payment-${command.data.orderId}`,
          [{ type: 'Charged', data: { amount: command.data.amount } }],
          {
            ...(ctx.tenantId !== undefined && { tenantId: ctx.tenantId }),
            metadata: { correlationId: ctx.correlationId },
          },
        );
        await ctx.publish(CardCharged({ orderId: command.data.orderId }));
      }),
    ],
  });
}

describe('messaging between services', () => {
  it("routes a command to its owning service and the owner's event back, each effect once", async () => {
    const broker = new MemoryBroker();
    const ordersStore = memoryStore();
    const billingStore = memoryStore();
    const confirmed: string[] = [];
    await billing(billingStore, memoryTransport({ broker }));
    const orders = await service({
      store: ordersStore,
      messaging: {
        transport: memoryTransport({ broker }),
        service: 'orders',
        commandRoutes: { ChargeCard: 'billing' },
        subscribeTo: ['billing'],
      },
      handlers: [
        handle(PlaceOrder, async (command, ctx) => {
          await ctx.store.events.appendToStream(`order-${command.data.orderId}`, [
            { type: 'OrderPlaced', data: command.data },
          ]);
          await ctx.send(ChargeCard(command.data));
        }),
        handle(CardCharged, async (event) => void confirmed.push(event.data.orderId)),
      ],
    });
    await orders.send(PlaceOrder({ orderId: 'o-1', amount: 30 }), {
      tenantId: 'acme',
      correlationId: 'journey-1',
    });
    await until(() => confirmed.includes('o-1'), 'the CardCharged event to come back');
    const payment = await billingStore.events.readStream('payment-o-1', { tenantId: 'acme' });
    expect(payment.events.map((e) => e.data)).toEqual([{ amount: 30 }]);
    // The journey keeps its correlation and tenant across both hops.
    expect(payment.events[0]?.metadata.correlationId).toBe('journey-1');
    expect(await ordersStore.outbox.list()).toEqual([]);
    expect(await billingStore.outbox.list()).toEqual([]);
  });

  it('writes outgoing messages with the transaction that produced them, or not at all', async () => {
    const store = memoryStore();
    const app = whizbang({
      store,
      messaging: {
        transport: memoryTransport(),
        service: 'orders',
        commandRoutes: { ChargeCard: 'billing' },
      },
      handlers: [
        handle(PlaceOrder, async (command, ctx) => {
          await ctx.send(ChargeCard(command.data));
          if (command.data.amount < 0) throw new Error('negative amount');
        }),
      ],
    });
    // Not started: nothing relays, so the outbox shows what was committed.
    await app.store.transaction(async (tx) => {
      await app.receive('command', envelopeOf(PlaceOrder({ orderId: 'o-1', amount: 5 })), tx);
    });
    await expect(
      app.store.transaction((tx) =>
        app.receive('command', envelopeOf(PlaceOrder({ orderId: 'o-2', amount: -1 })), tx),
      ),
    ).rejects.toThrow('negative amount');
    const waiting = await store.outbox.list();
    expect(waiting.map((m) => [m.destination, m.type, JSON.parse(m.body)])).toEqual([
      ['billing.commands', 'ChargeCard', { orderId: 'o-1', amount: 5 }],
    ]);
  });

  it('runs a redelivered message once, whatever the broker does', async () => {
    const broker = new MemoryBroker();
    const store = memoryStore();
    let runs = 0;
    const transport = memoryTransport({ broker });
    await service({
      store,
      messaging: { transport, service: 'billing' },
      handlers: [handle(ChargeCard, async () => void runs++)],
    });
    const message = encodeEnvelope('command', envelopeOf(ChargeCard({ orderId: 'o-1', amount: 1 })));
    await transport.publish('billing.commands', [message]);
    await transport.publish('billing.commands', [message]);
    await until(
      async () => (await store.inbox.has('billing', message.id)) && runs > 0,
      'the message to be handled',
    );
    await sleep(100);
    expect(runs).toBe(1);
  });

  it('retries a failing handler, then parks the message without blocking the ones behind it; a replay applies it once', async () => {
    const broker = new MemoryBroker();
    const store = memoryStore();
    let broken = true;
    let attempts = 0;
    const heard: unknown[] = [];
    const app = await billing(
      store,
      memoryTransport({ broker }),
      (orderId) => {
        if (orderId !== 'poison') return false;
        attempts++;
        return broken;
      },
      (error) => heard.push(error),
    );
    const sender = memoryTransport({ broker });
    await sender.publish('billing.commands', [
      encodeEnvelope('command', envelopeOf(ChargeCard({ orderId: 'poison', amount: 1 }))),
      encodeEnvelope('command', envelopeOf(ChargeCard({ orderId: 'o-2', amount: 2 }))),
    ]);
    await until(
      async () => (await store.deadLetters.list({ source: 'messages/billing' })).length === 1,
      'the dead letter',
    );
    expect(attempts).toBe(5);
    expect(heard.map((e) => (e as Error).message)).toEqual(Array(5).fill('card declined for poison'));
    expect((await store.events.readStream('payment-o-2')).events).toHaveLength(1);
    const [letter] = await store.deadLetters.list({ source: 'messages/billing' });
    expect(letter).toMatchObject({
      messageType: 'ChargeCard',
      attempts: 5,
      error: { message: 'card declined for poison' },
    });

    broken = false;
    const id = letter?.id ?? 'no dead letter';
    await app.replayMessage(id);
    expect((await store.events.readStream('payment-poison')).events).toHaveLength(1);
    await expect(app.replayMessage(id)).rejects.toSatisfy(isStateError);
    expect((await store.events.readStream('payment-poison')).events).toHaveLength(1);
  });

  it("parks what is not a Whizbang message in the transport's dead-letter queue", async () => {
    const broker = new MemoryBroker();
    const transport = memoryTransport({ broker });
    await service({ store: memoryStore(), messaging: { transport, service: 'billing' } });
    await transport.publish('billing.commands', [
      { id: 'foreign-1', type: 'Whatever', body: '{}', headers: {} },
    ]);
    const subscription = { destination: 'billing.commands', group: 'billing' };
    let parked: Awaited<ReturnType<Transport['takeDeadLetters']>> = [];
    await until(
      async () => (parked = await transport.takeDeadLetters(subscription)).length === 1,
      'the dead letter',
    );
    expect(parked[0]?.message.id).toBe('foreign-1');
    expect(parked[0]?.reason).toMatch(/not sent by Whizbang/);
  });

  it('delivers a scheduled command when due, and not at all once cancelled', async () => {
    const store = memoryStore();
    const charged: string[] = [];
    const app = await service({
      store,
      messaging: { transport: memoryTransport(), service: 'billing' },
      handlers: [handle(ChargeCard, async (command) => void charged.push(command.data.orderId))],
    });
    const early = Date.now();
    await app.schedule(ChargeCard({ orderId: 'later', amount: 1 }), { delayMs: 200 });
    const cancelled = await app.schedule(ChargeCard({ orderId: 'never', amount: 1 }), { delayMs: 150 });
    expect(await app.cancelScheduled(cancelled)).toBe(true);
    await until(() => charged.includes('later'), 'the scheduled command');
    expect(Date.now() - early).toBeGreaterThanOrEqual(190);
    await sleep(200);
    expect(charged).toEqual(['later']);
  });

  it('keeps messages through a broker that refuses them for a while, then delivers each once', async () => {
    const broker = new MemoryBroker();
    const store = memoryStore();
    const charged: string[] = [];
    await service({
      store: memoryStore(),
      messaging: { transport: memoryTransport({ broker }), service: 'billing' },
      handlers: [handle(ChargeCard, async (command) => void charged.push(command.data.orderId))],
    });
    const real = memoryTransport({ broker });
    let down = true;
    const flaky: Transport = {
      name: 'flaky',
      capabilities: real.capabilities,
      declare: (topology) => real.declare(topology),
      publish: (destination, messages) =>
        down ? Promise.reject(new Error('connection refused')) : real.publish(destination, messages),
      consume: (subscription, handler, options) => real.consume(subscription, handler, options),
      takeDeadLetters: (subscription, options) => real.takeDeadLetters(subscription, options),
      ping: () => real.ping(),
      close: () => real.close(),
    };
    const orders = await service({
      store,
      messaging: { transport: flaky, service: 'orders', commandRoutes: { ChargeCard: 'billing' } },
    });
    for (let i = 0; i < 20; i++) await orders.send(ChargeCard({ orderId: `o-${i}`, amount: i }));
    await until(() => orders.relay!.failures >= 2, 'the relay to fail');
    expect((await store.outbox.list()).length).toBe(20);
    down = false;
    await until(() => charged.length === 20, 'every command after the broker came back', 10_000);
    expect(new Set(charged).size).toBe(20);
    expect(await store.outbox.list()).toEqual([]);
  });

  it.each([1, 8])(
    'does not run a message again when the broker loses its ack (batch size %i): the redelivery is a duplicate',
    async (batchSize) => {
      const broker = new MemoryBroker();
      const store = memoryStore();
      const real = memoryTransport({ broker });
      // The first ack of each message is lost on the way, as when the broker restarts: the
      // broker never hears it and delivers the message again.
      const lost = new Set<string>();
      const losingAcks: Transport = {
        name: 'losing acks',
        capabilities: real.capabilities,
        declare: (topology) => real.declare(topology),
        publish: (destination, batch) => real.publish(destination, batch),
        consume: (subscription, handler, options) =>
          real.consume(
            subscription,
            (delivery) =>
              handler({
                message: delivery.message,
                subscription: delivery.subscription,
                deliveryCount: delivery.deliveryCount,
                nack: () => delivery.nack(),
                deadLetter: (reason) => delivery.deadLetter(reason),
                ack: async () => {
                  if (lost.has(delivery.message.id)) return delivery.ack();
                  lost.add(delivery.message.id);
                  await delivery.nack();
                  throw new Error('the broker did not confirm the ack');
                },
              }),
            options,
          ),
        takeDeadLetters: (subscription, options) => real.takeDeadLetters(subscription, options),
        ping: () => real.ping(),
        close: () => real.close(),
      };
      const errors: unknown[] = [];
      let runs = 0;
      const app = await service({
        store,
        messaging: {
          transport: losingAcks,
          service: 'billing',
          prefetch: 16,
          batchSize,
          onError: (error) => errors.push(error),
        },
        handlers: [handle(ChargeCard, async () => void runs++)],
      });
      const messages = Array.from({ length: 10 }, (_, i) =>
        encodeEnvelope('command', envelopeOf(ChargeCard({ orderId: `o-${i}`, amount: i }))),
      );
      await real.publish('billing.commands', messages);
      await until(() => app.consumer!.duplicates === 10, 'every redelivery');
      expect({ runs, handled: app.consumer!.handled, deadLettered: app.consumer!.deadLettered }).toEqual({
        runs: 10,
        handled: 10,
        deadLettered: 0,
      });
      // Each lost ack is reported once, as what it was; nothing is retried or settled twice.
      expect(errors.map((error) => (error as Error).message)).toEqual(
        Array.from({ length: 10 }, () => 'the broker did not confirm the ack'),
      );
    },
  );

  it('handles messages that arrive together in one transaction, and a failing one alone', async () => {
    const broker = new MemoryBroker();
    const base = memoryStore();
    let transactions = 0;
    const store: Store = { ...base, transaction: (work) => (transactions++, base.transaction(work)) };
    const app = await service({
      store,
      messaging: { transport: memoryTransport({ broker }), service: 'billing', prefetch: 32, batchSize: 16 },
      handlers: [
        handle(ChargeCard, async (command, ctx) => {
          if (command.data.orderId === 'o-13') throw new Error('card declined');
          const seen = await ctx.store.documents.get<{ count: number }>('charges', command.data.orderId);
          await ctx.store.documents.put('charges', command.data.orderId, {
            count: (seen?.data.count ?? 0) + 1,
          });
        }),
      ],
    });
    const messages = Array.from({ length: 40 }, (_, i) =>
      encodeEnvelope('command', envelopeOf(ChargeCard({ orderId: `o-${i}`, amount: i }))),
    );
    await memoryTransport({ broker }).publish('billing.commands', messages);
    await until(() => app.consumer!.handled + app.consumer!.deadLettered === 40, 'every message');
    const charges = await store.documents.list<{ count: number }>('charges', { limit: 100 });
    expect(charges).toHaveLength(39);
    expect(charges.every((c) => c.data.count === 1)).toBe(true);
    expect(await store.deadLetters.list({ source: 'messages/billing' })).toHaveLength(1);
    // Far fewer commits than messages: a batch, its one-by-one rerun, the retries and the parking.
    expect(transactions).toBeLessThan(40);
  });

  it('lets sends outside a transaction that come together share a commit, each resolving once durable', async () => {
    const base = memoryStore();
    const writes: number[] = [];
    const outbox = new Proxy(base.outbox, {
      get: (target, property) =>
        property === 'add'
          ? (messages: Parameters<typeof target.add>[0]) => (
              writes.push(messages.length),
              target.add(messages)
            )
          : (Reflect.get(target, property, target) as unknown),
    });
    const app = whizbang({
      store: { ...base, outbox },
      messaging: {
        transport: memoryTransport(),
        service: 'orders',
        commandRoutes: { ChargeCard: 'billing' },
      },
    });
    await app.send(ChargeCard({ orderId: 'alone', amount: 1 })); // nothing in flight: written at once
    expect(writes).toEqual([1]);
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => app.send(ChargeCard({ orderId: `o-${i}`, amount: i }))),
    );
    expect(await base.outbox.list({ limit: 100 })).toHaveLength(51);
    expect(writes.length).toBeLessThanOrEqual(3); // the first alone, the rest gathered behind it
    // A message that spoils the shared statement fails alone; the others are written.
    writes.length = 0;
    const results = await Promise.allSettled([
      app.send(ChargeCard({ orderId: 'a', amount: 1 })),
      app.send(ChargeCard({ orderId: 'b', amount: 2 })),
      app.send(ChargeCard({ orderId: 'c', amount: 3 }, { id: 'x'.repeat(300) })),
      app.send(ChargeCard({ orderId: 'd', amount: 4 })),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(await base.outbox.list({ limit: 100 })).toHaveLength(54);
  });

  it('rejects a send whose headers use a reserved name, writing nothing', async () => {
    const store = memoryStore();
    const app = whizbang({
      store,
      messaging: {
        transport: memoryTransport(),
        service: 'orders',
        commandRoutes: { ChargeCard: 'billing' },
      },
    });
    const sending = app.send(ChargeCard({ orderId: 'x', amount: 1 }, { headers: { 'whizbang-kind': 'no' } }));
    await expect(sending).rejects.toThrow(/reserved/);
    expect(await store.outbox.list()).toEqual([]);
  });

  it('schedules without a broker: the app delivers its own outbox, once, when due', async () => {
    const charged: string[] = [];
    const app = whizbang({
      store: memoryStore(),
      handlers: [handle(ChargeCard, (command) => void charged.push(command.data.orderId))],
      localDelivery: { relay: { pollIntervalMs: 10 } },
    });
    await app.start();
    try {
      await app.schedule(ChargeCard({ orderId: 'later', amount: 1 }), { delayMs: 30 });
      const cancelled = await app.schedule(ChargeCard({ orderId: 'never', amount: 1 }), { delayMs: 30 });
      expect(await app.cancelScheduled(cancelled)).toBe(true);
      for (let i = 0; charged.length === 0 && i < 200; i++) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 80));
      expect(charged).toEqual(['later']);
      expect(await app.store.outbox.list()).toEqual([]);
    } finally {
      await app.stop();
    }
  });

  it('refuses bad routes up front', () => {
    expect(() =>
      whizbang({ store: memoryStore(), messaging: { transport: memoryTransport(), service: 'has space' } }),
    ).toThrow(/service/);
  });
});

function envelopeOf(message: { type: string; data: unknown }) {
  const id = `m-${Math.random().toString(36).slice(2)}`;
  return {
    id,
    type: message.type,
    data: message.data,
    metadata: { correlationId: id, timestamp: Date.now() },
  };
}
