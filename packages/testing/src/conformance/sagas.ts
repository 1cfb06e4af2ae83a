/**
 * Sagas on a driver: started by events in the log, driving commands through the outbox (with no
 * broker: the app delivers its own), timeouts that fire once when due and never once withdrawn,
 * compensation last step first, redeliveries ignored, concurrent updates never lost, tenants
 * kept apart.
 */
import { describe, expect, it } from 'vitest';
import {
  defineCommand,
  defineEvent,
  defineSaga,
  handle,
  type,
  uuidv7,
  whizbang,
  type Envelope,
  type MessageOf,
  type Store,
  type WhizbangApp,
} from '@whizbang/core';
import { storeHarness, type StoreFactory } from './harness.js';

const OrderPlaced = defineEvent('OrderPlaced', { data: type<{ orderId: string; amount: number }>() });
const StockReserved = defineEvent('StockReserved', { data: type<{ orderId: string }>() });
const PaymentCaptured = defineEvent('PaymentCaptured', { data: type<{ orderId: string }>() });
const PaymentDeclined = defineEvent('PaymentDeclined', { data: type<{ orderId: string }>() });
const Noted = defineEvent('Noted', { data: type<{ orderId: string; n: number }>() });
type FulfillmentMessage =
  | MessageOf<typeof OrderPlaced>
  | MessageOf<typeof StockReserved>
  | MessageOf<typeof PaymentCaptured>
  | MessageOf<typeof PaymentDeclined>
  | MessageOf<typeof Noted>;

const ReserveStock = defineCommand('ReserveStock', { data: type<{ orderId: string }>() });
const ReleaseStock = defineCommand('ReleaseStock', { data: type<{ orderId: string }>() });
const CapturePayment = defineCommand('CapturePayment', { data: type<{ orderId: string; amount: number }>() });
const ShipOrder = defineCommand('ShipOrder', { data: type<{ orderId: string }>() });
const CancelOrder = defineCommand('CancelOrder', { data: type<{ orderId: string; reason: string }>() });

interface Fulfillment {
  readonly stage: 'reserving' | 'paying' | 'shipping' | 'cancelled';
  readonly amount: number;
  readonly notes: number;
}

const byOrder = (message: { readonly data: { readonly orderId: string } }) => message.data.orderId;

const fulfillment = (paymentTimeoutMs: number, keepEndedFor?: number) =>
  defineSaga<Fulfillment, FulfillmentMessage>({
    name: 'fulfillment',
    ...(keepEndedFor !== undefined && { keepEndedFor }),
    startedBy: [OrderPlaced],
    correlate: {
      OrderPlaced: byOrder,
      StockReserved: byOrder,
      PaymentCaptured: byOrder,
      PaymentDeclined: byOrder,
      Noted: byOrder,
    },
    initialState: () => ({ stage: 'reserving', amount: 0, notes: 0 }),
    handlers: {
      OrderPlaced: (state, e, saga) => {
        saga.send(ReserveStock({ orderId: e.data.orderId }));
        saga.addCompensation(ReleaseStock({ orderId: e.data.orderId }));
        return { ...state, amount: e.data.amount };
      },
      StockReserved: (state, e, saga) => {
        saga.send(CapturePayment({ orderId: e.data.orderId, amount: state.amount }));
        saga.requestTimeout('payment', { delayMs: paymentTimeoutMs }, { amount: state.amount });
        return { ...state, stage: 'paying' };
      },
      PaymentCaptured: (state, e, saga) => {
        saga.cancelTimeout('payment');
        saga.send(ShipOrder({ orderId: e.data.orderId }));
        saga.complete();
        return { ...state, stage: 'shipping' };
      },
      PaymentDeclined: (_state, _e, saga) => saga.compensate('payment declined'),
      Noted: (state) => ({ ...state, notes: state.notes + 1 }),
    },
    timeouts: {
      payment: (_state, timeout, saga) =>
        saga.compensate(`no payment of ${(timeout.data as { amount: number }).amount} in time`),
    },
    compensate: (state, failure, saga) => {
      saga.send(CancelOrder({ orderId: saga.id, reason: failure.reason }));
      return { ...state, stage: 'cancelled' };
    },
  });

/** The services the saga drives, in the same app: each command appends an event or notes what it did. */
function services(done: string[], payments: 'capture' | 'decline' | 'ignore') {
  const at = (orderId: string) => `order-${orderId}`;
  return [
    handle(ReserveStock, async (c, ctx) => {
      done.push(`ReserveStock ${c.data.orderId}`);
      await ctx.store.events.appendToStream(at(c.data.orderId), [StockReserved({ orderId: c.data.orderId })]);
    }),
    handle(CapturePayment, async (c, ctx) => {
      done.push(`CapturePayment ${c.data.orderId}`);
      if (payments === 'ignore') return;
      const outcome = payments === 'capture' ? PaymentCaptured : PaymentDeclined;
      await ctx.store.events.appendToStream(at(c.data.orderId), [outcome({ orderId: c.data.orderId })]);
    }),
    handle(ReleaseStock, (c) => void done.push(`ReleaseStock ${c.data.orderId}`)),
    handle(ShipOrder, (c) => void done.push(`ShipOrder ${c.data.orderId}`)),
    handle(CancelOrder, (c) => void done.push(`CancelOrder ${c.data.orderId}: ${c.data.reason}`)),
  ];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; !(await check()); i++) {
    if (i >= 400) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

const envelope = (message: { type: string; data: unknown }, tenantId?: string): Envelope => ({
  id: uuidv7(),
  type: message.type,
  data: message.data,
  metadata: { correlationId: uuidv7(), timestamp: Date.now(), tenantId },
});

export function sagaCases(factory: StoreFactory): void {
  const open = storeHarness(factory);
  const apps: WhizbangApp[] = [];
  const started = async (
    store: Store,
    payments: 'capture' | 'decline' | 'ignore',
    timeoutMs = 60_000,
    keepEndedFor?: number,
  ) => {
    const done: string[] = [];
    const saga = fulfillment(timeoutMs, keepEndedFor);
    const app = whizbang({
      store,
      sagas: [saga],
      handlers: services(done, payments),
      localDelivery: { retry: { maxAttempts: 3, initialDelayMs: 5 }, relay: { pollIntervalMs: 25 } },
      daemon: { pollIntervalMs: 25 },
    });
    apps.push(app);
    await app.start();
    return { app, saga, done };
  };
  const stopAll = () => Promise.all(apps.splice(0).map((app) => app.stop()));

  describe('sagas', () => {
    it('drives a process from events in the log through commands in the outbox, to completion', async () => {
      const store = await open();
      try {
        const { app, saga, done } = await started(store, 'capture');
        await store.events.appendToStream('order-1', [OrderPlaced({ orderId: '1', amount: 250 })]);
        await eventually(
          'completion',
          async () => (await app.sagaInstance(saga, '1'))?.status === 'completed',
        );
        await eventually('shipping', () => done.includes('ShipOrder 1'));
        expect(done).toEqual(['ReserveStock 1', 'CapturePayment 1', 'ShipOrder 1']);
        const instance = await app.sagaInstance(saga, '1');
        expect(instance).toMatchObject({
          id: '1',
          status: 'completed',
          state: { stage: 'shipping', amount: 250 },
          steps: 3,
          timeouts: {},
          compensations: [{ type: 'ReleaseStock', data: { orderId: '1' } }],
        });
        expect(instance!.endedAt).toBeDefined();
        // The withdrawn payment timeout is gone from the outbox; nothing else waits there.
        await eventually('an empty outbox', async () => (await store.outbox.list()).length === 0);
        expect(app.sagas!.counters).toMatchObject({ started: 1, handled: 3, completed: 1 });
      } finally {
        await stopAll();
      }
    });

    it('fires a timeout once when it falls due, and compensates last step first', async () => {
      const store = await open();
      try {
        const { app, saga, done } = await started(store, 'ignore', 100);
        await store.events.appendToStream('order-2', [OrderPlaced({ orderId: '2', amount: 80 })]);
        await eventually(
          'compensation',
          async () => (await app.sagaInstance(saga, '2'))?.status === 'compensated',
        );
        await eventually('the cancellation', () => done.some((d) => d.startsWith('CancelOrder')));
        expect(done).toEqual([
          'ReserveStock 2',
          'CapturePayment 2',
          'ReleaseStock 2',
          'CancelOrder 2: no payment of 80 in time',
        ]);
        expect(await app.sagaInstance(saga, '2')).toMatchObject({
          status: 'compensated',
          failure: { reason: 'no payment of 80 in time', during: 'timeout:payment' },
          state: { stage: 'cancelled' },
          timeouts: {},
        });
        // A payment that comes after the saga ended changes nothing.
        await store.events.appendToStream('order-2', [PaymentCaptured({ orderId: '2' })]);
        await app.waitForProjections();
        await sleep(150);
        expect(done).toHaveLength(4);
        expect((await app.sagaInstance(saga, '2'))!.steps).toBe(3);
      } finally {
        await stopAll();
      }
    });

    it('compensates on a failure event: recorded undo commands, then compensate', async () => {
      const store = await open();
      try {
        const { app, saga, done } = await started(store, 'decline');
        await store.events.appendToStream('order-3', [OrderPlaced({ orderId: '3', amount: 10 })]);
        await eventually('the cancellation', () => done.some((d) => d.startsWith('CancelOrder')));
        expect(done).toEqual([
          'ReserveStock 3',
          'CapturePayment 3',
          'ReleaseStock 3',
          'CancelOrder 3: payment declined',
        ]);
        expect(await app.sagaInstance(saga, '3')).toMatchObject({
          status: 'compensated',
          failure: { reason: 'payment declined', during: 'PaymentDeclined' },
        });
        // The payment timeout it had asked for was withdrawn with the compensation.
        await eventually('an empty outbox', async () => (await store.outbox.list()).length === 0);
      } finally {
        await stopAll();
      }
    });

    it('deletes an ended instance once keepEndedFor has passed, and only then', async () => {
      const store = await open();
      try {
        const { app, saga, done } = await started(store, 'capture', 60_000, 150);
        await store.events.appendToStream('order-7', [OrderPlaced({ orderId: '7', amount: 1 })]);
        await eventually(
          'completion',
          async () => (await app.sagaInstance(saga, '7'))?.status === 'completed',
        );
        // Kept for a while: a late message is still recognised and ignored.
        await store.events.appendToStream('order-7', [PaymentCaptured({ orderId: '7' })]);
        await app.waitForProjections();
        expect((await app.sagaInstance(saga, '7'))?.steps).toBe(3);
        await eventually('deletion', async () => (await app.sagaInstance(saga, '7')) === undefined);
        expect(app.sagas!.counters.forgotten).toBe(1);
        expect(done.filter((d) => d === 'ShipOrder 7')).toHaveLength(1);
        await eventually('an empty outbox', async () => (await store.outbox.list()).length === 0);
      } finally {
        await stopAll();
      }
    });

    it('ignores a redelivered message, and messages no instance waits for', async () => {
      const store = await open();
      try {
        const { app, saga } = await started(store, 'ignore');
        const sagas = app.sagas!;
        const placed = envelope(OrderPlaced({ orderId: '4', amount: 5 }));
        await store.transaction((tx) => sagas.receive(placed, tx));
        await store.transaction((tx) => sagas.receive(placed, tx)); // the broker delivered it again
        const stray = envelope(PaymentCaptured({ orderId: 'nobody' }));
        await store.transaction((tx) => sagas.receive(stray, tx));
        expect((await app.sagaInstance(saga, '4'))!.steps).toBe(1);
        expect(await app.sagaInstance(saga, 'nobody')).toBeUndefined();
        expect(sagas.counters).toMatchObject({ started: 1, duplicates: 1, ignored: 1 });
      } finally {
        await stopAll();
      }
    });

    it('loses no update when two nodes handle messages for one instance at once', async () => {
      const store = await open();
      try {
        const [a, b] = [await started(store, 'ignore'), await started(store, 'ignore')];
        await store.transaction((tx) =>
          a.app.sagas!.receive(envelope(OrderPlaced({ orderId: '5', amount: 1 })), tx),
        );
        const notes = 24;
        await Promise.all(
          Array.from({ length: notes }, (_, n) => {
            const node = n % 2 === 0 ? a.app : b.app;
            return store.transaction((tx) => node.sagas!.receive(envelope(Noted({ orderId: '5', n })), tx));
          }),
        );
        const instance = await a.app.sagaInstance(a.saga, '5');
        expect(instance).toMatchObject({ steps: notes + 1, state: { notes } });
      } finally {
        await stopAll();
      }
    });

    it('keeps instances of one correlation id apart by tenant', async () => {
      const store = await open();
      try {
        const { app, saga } = await started(store, 'ignore');
        for (const tenantId of ['acme', 'globex'])
          await store.transaction((tx) =>
            app.sagas!.receive(
              envelope(OrderPlaced({ orderId: '6', amount: tenantId.length }), tenantId),
              tx,
            ),
          );
        expect((await app.sagaInstance(saga, '6', { tenantId: 'acme' }))!.state.amount).toBe(4);
        expect((await app.sagaInstance(saga, '6', { tenantId: 'globex' }))!.state.amount).toBe(6);
        expect(await app.sagaInstance(saga, '6')).toBeUndefined();
      } finally {
        await stopAll();
      }
    });
  });
}
