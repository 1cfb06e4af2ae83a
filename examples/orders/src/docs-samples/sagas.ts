/** Samples for docs/sagas.md; sagas.unit.test.ts runs them. */
import {
  defineCommand,
  defineEvent,
  defineSaga,
  defineWorkflow,
  handle,
  MemoryBroker,
  memoryTransport,
  type,
  whizbang,
  workflowStep,
  type MessageOf,
  type Store,
  type WhizbangApp,
} from '@whizbang/core';
import { SagaSpec } from '@whizbang/testing';

// #region messages
export const OrderAccepted = defineEvent('OrderAccepted', {
  data: type<{ orderId: string; amountCents: number }>(),
});
export const StockReserved = defineEvent('StockReserved', { data: type<{ orderId: string }>() });
export const PaymentCaptured = defineEvent('PaymentCaptured', { data: type<{ orderId: string }>() });
export const PaymentDeclined = defineEvent('PaymentDeclined', {
  data: type<{ orderId: string; reason: string }>(),
});
type FulfillmentEvent =
  | MessageOf<typeof OrderAccepted>
  | MessageOf<typeof StockReserved>
  | MessageOf<typeof PaymentCaptured>
  | MessageOf<typeof PaymentDeclined>;

export const ReserveStock = defineCommand('ReserveStock', { data: type<{ orderId: string }>() });
export const ReleaseStock = defineCommand('ReleaseStock', { data: type<{ orderId: string }>() });
export const CapturePayment = defineCommand('CapturePayment', {
  data: type<{ orderId: string; amountCents: number }>(),
});
export const Dispatch = defineCommand('Dispatch', { data: type<{ orderId: string }>() });
export const RejectOrder = defineCommand('RejectOrder', {
  data: type<{ orderId: string; reason: string }>(),
});
// #endregion

// #region fulfillment
interface Fulfillment {
  readonly amountCents: number;
  readonly stage: 'reserving' | 'paying' | 'dispatching' | 'rejected';
}

const byOrder = (message: { readonly data: { readonly orderId: string } }) => message.data.orderId;

export const fulfillment = defineSaga<Fulfillment, FulfillmentEvent>({
  name: 'fulfillment',
  startedBy: [OrderAccepted],
  correlate: {
    OrderAccepted: byOrder,
    StockReserved: byOrder,
    PaymentCaptured: byOrder,
    PaymentDeclined: byOrder,
  },
  initialState: () => ({ amountCents: 0, stage: 'reserving' }),
  handlers: {
    OrderAccepted: (state, accepted, saga) => {
      saga.send(ReserveStock({ orderId: saga.id }));
      saga.addCompensation(ReleaseStock({ orderId: saga.id })); // undone if a later step fails
      return { ...state, amountCents: accepted.data.amountCents };
    },
    StockReserved: (state, _reserved, saga) => {
      saga.send(CapturePayment({ orderId: saga.id, amountCents: state.amountCents }));
      saga.requestTimeout('payment', { delayMs: 15 * 60_000 });
      return { ...state, stage: 'paying' };
    },
    PaymentCaptured: (state, _captured, saga) => {
      saga.cancelTimeout('payment');
      saga.send(Dispatch({ orderId: saga.id }));
      saga.complete();
      return { ...state, stage: 'dispatching' };
    },
    PaymentDeclined: (_state, declined, saga) => saga.compensate(declined.data.reason),
  },
  timeouts: {
    payment: (_state, _timeout, saga) => saga.compensate('no payment within 15 minutes'),
  },
  // After the recorded compensations (ReleaseStock) have been sent, last step first:
  compensate: (state, failure, saga) => {
    saga.send(RejectOrder({ orderId: saga.id, reason: failure.reason }));
    return { ...state, stage: 'rejected' };
  },
});
// #endregion

/** The fulfillment saga in an app, with stand-in handlers for the commands it sends. */
export function fulfillmentApp(store: Store, paymentsDecline: boolean, done: string[]): WhizbangApp {
  const note = (what: string, orderId: string) => void done.push(`${what} ${orderId}`);
  // #region app
  const app = whizbang({
    store,
    sagas: [fulfillment],
    handlers: [
      handle(ReserveStock, async (command, ctx) => {
        note('ReserveStock', command.data.orderId);
        await ctx.store.events.appendToStream(`stock-${command.data.orderId}`, [
          StockReserved({ orderId: command.data.orderId }),
        ]);
      }),
      handle(CapturePayment, async (command, ctx) => {
        note('CapturePayment', command.data.orderId);
        const { orderId } = command.data;
        await ctx.store.events.appendToStream(`payment-${orderId}`, [
          paymentsDecline
            ? PaymentDeclined({ orderId, reason: 'card declined' })
            : PaymentCaptured({ orderId }),
        ]);
      }),
      handle(ReleaseStock, (command) => note('ReleaseStock', command.data.orderId)),
      handle(Dispatch, (command) => note('Dispatch', command.data.orderId)),
      handle(RejectOrder, (command) => note('RejectOrder', command.data.orderId)),
    ],
  });
  // #endregion
  return app;
}

export async function inspect(app: WhizbangApp) {
  // #region inspect
  const instance = await app.sagaInstance(fulfillment, 'o-1');
  // { status: 'active' | 'completed' | 'compensated', state, steps, timeouts, compensations, failure?, version }
  const { started, completed, compensated, ignored, duplicates, races } = app.sagas!.counters;
  // #endregion
  return { instance, counters: { started, completed, compensated, ignored, duplicates, races } };
}

export async function specs() {
  // #region spec
  await SagaSpec.for(fulfillment)
    .given([OrderAccepted({ orderId: 'o-1', amountCents: 4_200 })])
    .when(StockReserved({ orderId: 'o-1' }))
    .thenSends([CapturePayment({ orderId: 'o-1', amountCents: 4_200 })]);

  await SagaSpec.for(fulfillment)
    .given([OrderAccepted({ orderId: 'o-1', amountCents: 4_200 }), StockReserved({ orderId: 'o-1' })])
    .whenTimeout('payment')
    .thenSends([
      ReleaseStock({ orderId: 'o-1' }),
      RejectOrder({ orderId: 'o-1', reason: 'no payment within 15 minutes' }),
    ]);
  // #endregion
}

// #region workflow
interface Booking {
  readonly tripId: string;
  readonly nights: number;
}
export const BookTrip = defineCommand('BookTrip', { data: type<Booking>() });
export const BookFlight = defineCommand('BookFlight', {
  data: type<{ tripId: string }>(),
  result: type<{ seat: string }>(),
});
export const CancelFlight = defineCommand('CancelFlight', { data: type<{ tripId: string; seat: string }>() });
export const BookHotel = defineCommand('BookHotel', { data: type<{ tripId: string; nights: number }>() });

export const bookTrip = defineWorkflow({
  name: 'book-trip',
  command: BookTrip,
  steps: [
    workflowStep('flight', BookFlight, (trip: Booking) => ({ tripId: trip.tripId }), {
      command: CancelFlight,
      data: (trip, booked) => ({ tripId: trip.tripId, seat: booked.seat }),
    }),
    workflowStep('hotel', BookHotel, (trip: Booking) => ({ tripId: trip.tripId, nights: trip.nights })),
  ],
});
// #endregion

export function travelApps(store: Store, hotelStore: Store) {
  const log: string[] = [];
  const broker = new MemoryBroker();
  // #region fallback
  // The hotel belongs to another service: one transaction cannot hold both bookings, so
  // 'auto' (the default strategy) runs BookTrip as a saga. In the hotel service's own app,
  // the same workflow would run as one unit of work.
  const travel = whizbang({
    store,
    messaging: {
      transport: memoryTransport({ broker }),
      service: 'travel',
      commandRoutes: { BookHotel: 'hotels' },
    },
    workflows: [bookTrip],
    transactionStrategy: { BookTrip: 'auto' }, // or 'saga', or 'unit-of-work'
    handlers: [
      handle(BookFlight, () => ({ seat: '12A' })),
      handle(CancelFlight, (command) => void log.push(`CancelFlight ${command.data.seat}`)),
    ],
  });
  // #endregion
  const hotels = whizbang({
    store: hotelStore,
    messaging: { transport: memoryTransport({ broker }), service: 'hotels' },
    handlers: [
      handle(BookHotel, (command) => {
        if (command.data.nights > 14) throw new Error('no room for that long');
        log.push(`BookHotel ${command.data.tripId}`);
      }),
    ],
  });
  return { travel, hotels, log };
}
