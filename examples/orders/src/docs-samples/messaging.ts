/** Samples for docs/messaging.md; messaging.unit.test.ts runs them. */
import {
  defineCommand,
  defineEvent,
  handle,
  MemoryBroker,
  memoryTransport,
  messageSource,
  type,
  whizbang,
  type Store,
  type Transport,
  type WhizbangApp,
} from '@whizbang/core';

// #region messages
export const CapturePayment = defineCommand('CapturePayment', {
  data: type<{ orderId: string; amountCents: number }>(),
});
export const PaymentCaptured = defineEvent('PaymentCaptured', { data: type<{ orderId: string }>() });
export const ExpireOrder = defineCommand('ExpireOrder', { data: type<{ orderId: string }>() });
// #endregion

// #region services
/** The payments service: captures payments, tells whoever listens. */
export function paymentsService(store: Store, transport: Transport): WhizbangApp {
  return whizbang({
    store,
    messaging: { transport, service: 'payments', publishedEvents: ['PaymentCaptured'] },
    handlers: [
      handle(CapturePayment, async (command, ctx) => {
        // ctx.store is the consumer's transaction: the event, the outgoing PaymentCaptured and
        // the inbox record of this command commit together, or not at all.
        await ctx.store.events.appendToStream(`payment-${command.data.orderId}`, [
          { type: 'Captured', data: { amountCents: command.data.amountCents } },
        ]);
        await ctx.publish(PaymentCaptured({ orderId: command.data.orderId }));
      }),
    ],
  });
}

/** The orders service: sends CapturePayment to payments, hears PaymentCaptured back. */
export function ordersService(
  store: Store,
  transport: Transport,
  paid: (orderId: string) => void,
): WhizbangApp {
  return whizbang({
    store,
    messaging: {
      transport,
      service: 'orders',
      commandRoutes: { CapturePayment: 'payments' }, // owned by another service
      subscribeTo: ['payments'], // its published events reach our event handlers
    },
    handlers: [handle(PaymentCaptured, async (event) => paid(event.data.orderId))],
  });
}
// #endregion

export async function inOneProcess(ordersStore: Store, paymentsStore: Store) {
  // #region in-process
  // One process, two services, an in-memory broker: the same code later runs on RabbitMQ,
  // NATS JetStream or Redis Streams by passing their transport instead.
  const broker = new MemoryBroker();
  const paid: string[] = [];
  const payments = paymentsService(paymentsStore, memoryTransport({ broker }));
  const orders = ordersService(ordersStore, memoryTransport({ broker }), (id) => paid.push(id));
  await payments.start(); // declares its queues, consumes them, relays its outbox
  await orders.start();
  await orders.send(CapturePayment({ orderId: 'o-1', amountCents: 1250 })); // into the outbox, then to payments
  // #endregion
  return { orders, payments, paid };
}

export async function scheduling(orders: WhizbangApp) {
  // #region schedule
  // Durable: the command waits in the outbox (surviving restarts) until it falls due.
  const id = await orders.schedule(ExpireOrder({ orderId: 'o-2' }), { delayMs: 30 * 60_000 });
  // Paid in time: the expiry is no longer wanted.
  await orders.cancelScheduled(id);
  // #endregion
}

export async function deadLetters(payments: WhizbangApp) {
  // #region dead-letters
  // Messages whose handler failed every attempt, with the error, oldest first.
  for (const letter of await payments.store.deadLetters.list({ source: messageSource('payments') })) {
    console.log(letter.messageType, letter.attempts, letter.error.message);
    await payments.replayMessage(letter.id); // after the fix: handled once, then discarded
  }
  // #endregion
}

export async function unitOfWork(orders: WhizbangApp, orderId: string, sku: string) {
  // #region unit-of-work
  await orders.transaction(
    async (uow) => {
      // Two streams, each appended at the version read, and a message: one commit, or none.
      const stock = await uow.store.events.readStream(`stock-${sku}`);
      await uow.store.events.appendToStream(`stock-${sku}`, [{ type: 'StockReserved', data: { orderId } }], {
        expectedVersion: stock.exists ? stock.version : 'no_stream',
      });
      await uow.store.events.appendToStream(`order-${orderId}`, [{ type: 'OrderPlaced', data: { sku } }], {
        expectedVersion: 'no_stream',
      });
      await uow.send(CapturePayment({ orderId, amountCents: 990 })); // into the outbox, same commit
    },
    { correlationId: `checkout-${orderId}` }, // a conflict on either stream runs it all again
  );
  // #endregion
}
