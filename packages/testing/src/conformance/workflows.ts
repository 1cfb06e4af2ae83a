/**
 * Workflows on a driver: the same steps run as one unit of work (all or nothing) or, by
 * configuration, as a saga (step by step through the outbox, each waiting for the last one's
 * reply, undone last first when one fails).
 */
import { describe, expect, it } from 'vitest';
import {
  defineCommand,
  defineWorkflow,
  handle,
  sagaCollection,
  type,
  whizbang,
  workflowStep,
  type Store,
  type TransactionStrategy,
  type WhizbangApp,
} from '@whizbang/core';
import { rejection, storeHarness, type StoreFactory } from './harness.js';

interface Booking {
  readonly trip: string;
  readonly nights: number;
}
const BookTrip = defineCommand('BookTrip', {
  data: type<Booking>(),
  result: type<{ confirmation: string }>(),
});
const BookFlight = defineCommand('BookFlight', {
  data: type<{ trip: string }>(),
  result: type<{ seat: string }>(),
});
const CancelFlight = defineCommand('CancelFlight', { data: type<{ trip: string; seat: string }>() });
const BookHotel = defineCommand('BookHotel', { data: type<{ trip: string; nights: number }>() });
const CancelHotel = defineCommand('CancelHotel', { data: type<{ trip: string }>() });
const ChargeCard = defineCommand('ChargeCard', { data: type<{ trip: string; nights: number }>() });

const bookTrip = defineWorkflow({
  name: 'book-trip',
  command: BookTrip,
  steps: [
    workflowStep('flight', BookFlight, (b: Booking) => ({ trip: b.trip }), {
      command: CancelFlight,
      data: (b, booked) => ({ trip: b.trip, seat: booked.seat }),
    }),
    workflowStep('hotel', BookHotel, (b: Booking) => ({ trip: b.trip, nights: b.nights }), {
      command: CancelHotel,
      data: (b) => ({ trip: b.trip }),
    }),
    workflowStep('payment', ChargeCard, (b: Booking) => ({ trip: b.trip, nights: b.nights })),
  ],
  result: (b, results) => ({ confirmation: `${b.trip}:${(results['flight'] as { seat: string }).seat}` }),
});

/** The services the steps reach: each writes an event per booking; the card refuses long stays. */
function services(done: string[]) {
  const write = async (store: { events: Store['events'] }, trip: string, what: string) =>
    store.events.appendToStream(`trip-${trip}`, [{ type: what, data: {} }]);
  return [
    handle(BookFlight, async (c, ctx) => {
      done.push(`BookFlight ${c.data.trip}`);
      await write(ctx.store, c.data.trip, 'FlightBooked');
      return { seat: '12A' };
    }),
    handle(CancelFlight, async (c, ctx) => {
      done.push(`CancelFlight ${c.data.trip} ${c.data.seat}`);
      await write(ctx.store, c.data.trip, 'FlightCancelled');
    }),
    handle(BookHotel, async (c, ctx) => {
      done.push(`BookHotel ${c.data.trip}`);
      await write(ctx.store, c.data.trip, 'HotelBooked');
    }),
    handle(CancelHotel, async (c, ctx) => {
      done.push(`CancelHotel ${c.data.trip}`);
      await write(ctx.store, c.data.trip, 'HotelCancelled');
    }),
    handle(ChargeCard, async (c, ctx) => {
      done.push(`ChargeCard ${c.data.trip}`);
      if (c.data.nights > 7) throw new Error(`card limit: ${c.data.nights} nights`);
      await write(ctx.store, c.data.trip, 'Charged');
    }),
  ];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function workflowCases(factory: StoreFactory): void {
  const open = storeHarness(factory);
  const apps: WhizbangApp[] = [];
  const started = async (store: Store, strategy: TransactionStrategy) => {
    const done: string[] = [];
    const app = whizbang({
      store,
      handlers: services(done),
      workflows: [bookTrip],
      transactionStrategy: { BookTrip: strategy },
      localDelivery: { retry: { maxAttempts: 2, initialDelayMs: 5 }, relay: { pollIntervalMs: 25 } },
    });
    apps.push(app);
    await app.start();
    return { app, done };
  };
  const eventsOf = async (store: Store, trip: string) =>
    (await store.events.readStream(`trip-${trip}`)).events.map((e) => e.type);
  const instanceOf = (store: Store, id: string) =>
    store.documents.get<{ status: string; failure?: { reason: string } }>(
      sagaCollection(bookTrip.saga.name),
      id,
    );

  describe('workflows', () => {
    it('runs every step in one unit of work: all of it commits, or none of it', async () => {
      const store = await open();
      try {
        const { app } = await started(store, 'unit-of-work');
        expect(await app.send(BookTrip({ trip: 'rome', nights: 3 }))).toEqual({ confirmation: 'rome:12A' });
        expect(await eventsOf(store, 'rome')).toEqual(['FlightBooked', 'HotelBooked', 'Charged']);
        const error = await rejection(app.send(BookTrip({ trip: 'oslo', nights: 9 })));
        expect((error as Error).message).toBe('card limit: 9 nights');
        expect(await eventsOf(store, 'oslo')).toEqual([]); // the flight and the hotel rolled back
      } finally {
        await Promise.all(apps.splice(0).map((app) => app.stop()));
      }
    });

    it('runs the same steps as a saga by configuration: one by one, undone last first on failure', async () => {
      const store = await open();
      try {
        const { app, done } = await started(store, 'saga');
        // As a saga the work goes on after `send` resolves; the command's id names the instance.
        expect(await app.send(BookTrip({ trip: 'rome', nights: 3 }, { id: 'trip-rome' }))).toBeUndefined();
        await app.send(BookTrip({ trip: 'oslo', nights: 9 }, { id: 'trip-oslo' }));
        for (let i = 0; i < 400; i++) {
          const [rome, oslo] = [await instanceOf(store, 'trip-rome'), await instanceOf(store, 'trip-oslo')];
          if (rome?.data.status !== 'active' && oslo?.data.status !== 'active' && rome && oslo) break;
          await sleep(25);
        }
        expect((await instanceOf(store, 'trip-rome'))?.data).toMatchObject({
          status: 'completed',
          state: { step: 3, results: { flight: { seat: '12A' } } },
        });
        expect(await eventsOf(store, 'rome')).toEqual(['FlightBooked', 'HotelBooked', 'Charged']);
        expect((await instanceOf(store, 'trip-oslo'))?.data).toMatchObject({
          status: 'compensated',
          failure: { reason: "step 'payment' failed: card limit: 9 nights" },
        });
        // The undo's handler notes itself before its append commits: wait for the event, not the note.
        for (let i = 0; i < 200 && !(await eventsOf(store, 'oslo')).includes('FlightCancelled'); i++) {
          await sleep(25);
        }
        expect(await eventsOf(store, 'oslo')).toEqual([
          'FlightBooked',
          'HotelBooked',
          'HotelCancelled',
          'FlightCancelled',
        ]);
        // Each step ran once (the failing one as often as its retries allow), each undo once.
        expect(done.filter((d) => d.endsWith('oslo') || d.includes('oslo '))).toEqual([
          'BookFlight oslo',
          'BookHotel oslo',
          'ChargeCard oslo',
          'ChargeCard oslo',
          'CancelHotel oslo',
          'CancelFlight oslo 12A',
        ]);
        // The failed step is kept as a dead letter, for an operator to see why.
        const [letter] = await store.deadLetters.list({ source: 'messages/local' });
        expect(letter).toMatchObject({ messageType: 'ChargeCard', attempts: 2 });
      } finally {
        await Promise.all(apps.splice(0).map((app) => app.stop()));
      }
    });

    it('refuses a strategy it does not know, naming the command', () => {
      expect(() =>
        whizbang({
          store: {} as Store,
          workflows: [bookTrip],
          transactionStrategy: { BookTrip: 'two-phase' as never },
        }),
      ).toThrow(/transactionStrategy\.BookTrip|unit-of-work/);
    });
  });
}
