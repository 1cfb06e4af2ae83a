import { expect, it } from 'vitest';
import { memoryStore } from '@whizbang/core';
import { BookTrip, bookTrip, fulfillmentApp, inspect, OrderAccepted, specs, travelApps } from './sagas.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('docs/sagas.md: the fulfillment saga completes, or compensates last step first', async () => {
  for (const declines of [false, true]) {
    const store = memoryStore();
    const done: string[] = [];
    const app = fulfillmentApp(store, declines, done);
    await app.start();
    try {
      await store.events.appendToStream('order-o-1', [OrderAccepted({ orderId: 'o-1', amountCents: 4_200 })]);
      const last = declines ? 'RejectOrder o-1' : 'Dispatch o-1';
      for (let i = 0; i < 400 && !done.includes(last); i++) await sleep(10);
      expect(done).toEqual(
        declines
          ? ['ReserveStock o-1', 'CapturePayment o-1', 'ReleaseStock o-1', 'RejectOrder o-1']
          : ['ReserveStock o-1', 'CapturePayment o-1', 'Dispatch o-1'],
      );
      const { instance, counters } = await inspect(app);
      expect(instance).toMatchObject({ status: declines ? 'compensated' : 'completed', steps: 3 });
      expect(counters).toMatchObject({ started: 1, ignored: 0 });
    } finally {
      await app.stop();
    }
  }
});

it('docs/sagas.md: SagaSpec samples pass', async () => {
  await expect(specs()).resolves.toBeUndefined();
});

it('docs/sagas.md: a workflow spanning services falls back to a saga', async () => {
  const { travel, hotels, log } = travelApps(memoryStore(), memoryStore());
  await hotels.start();
  await travel.start();
  try {
    await travel.send(BookTrip({ tripId: 't-1', nights: 3 }, { id: 't-1' }));
    await travel.send(BookTrip({ tripId: 't-2', nights: 30 }, { id: 't-2' }));
    for (let i = 0; i < 600 && !log.includes('CancelFlight 12A'); i++) await sleep(10);
    expect(log).toEqual(['BookHotel t-1', 'CancelFlight 12A']);
    expect(await travel.sagaInstance(bookTrip.saga, 't-1')).toMatchObject({ status: 'completed' });
    expect(await travel.sagaInstance(bookTrip.saga, 't-2')).toMatchObject({
      status: 'compensated',
      failure: { reason: "step 'hotel' failed: no room for that long" },
    });
  } finally {
    await travel.stop();
    await hotels.stop();
  }
}, 20_000);
