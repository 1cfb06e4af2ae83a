/**
 * The payment service's handlers. Each reads the order's payment, decides, and appends what
 * happened to the payment's stream; the outcomes are published too, so a saga in another
 * service hears them (in one process, the saga reads them from the log). A command delivered
 * twice changes nothing the second time, and a cancellation racing a charge is settled by the
 * stream's version: whichever commits second decides again on what the first wrote.
 */
import {
  aggregateStream,
  appendOptionsFrom,
  handle,
  uuidv7,
  type HandlerContext,
  type HandlerRegistration,
} from '@whizbang/core';
import { payment, type PaymentState } from './payment.js';
import {
  CancelPayment,
  ChargePayment,
  PAYMENT_OUTCOMES,
  PaymentCharged,
  PaymentDeclined,
  PaymentRefunded,
  PaymentRequested,
  PaymentVoided,
  paymentStream,
  SettlePayment,
  type PaymentEvent,
} from './payment-messages.js';
import type { SimulatedGateway } from './simulated-gateway.js';

const published = new Set<string>(PAYMENT_OUTCOMES);

export function paymentHandlers(gateway: SimulatedGateway): HandlerRegistration[] {
  /** The gateway's answer, as the event that records it. */
  const answered = (orderId: string, amountCents: number): PaymentEvent => {
    const answer = gateway.answer(amountCents);
    return answer.approved
      ? PaymentCharged({ orderId, amountCents })
      : PaymentDeclined({ orderId, amountCents, reason: answer.reason });
  };
  return [
    handle(ChargePayment, (command, ctx) =>
      decide(ctx, command.data.orderId, (state) => {
        if (state.status !== 'none') return []; // asked before, or cancelled first
        const { orderId, amountCents } = command.data;
        // A slow gateway is asked now and answers later, through the payment-gateway saga.
        return [gateway.delayMs > 0 ? PaymentRequested(command.data) : answered(orderId, amountCents)];
      }),
    ),
    handle(SettlePayment, (command, ctx) =>
      decide(ctx, command.data.orderId, (state) =>
        // Anything else: cancelled while the gateway was thinking.
        state.status === 'requested' ? [answered(command.data.orderId, state.amountCents)] : [],
      ),
    ),
    handle(CancelPayment, (command, ctx) =>
      decide(ctx, command.data.orderId, (state) => {
        const { orderId } = command.data;
        if (state.status === 'charged') return [PaymentRefunded({ orderId, amountCents: state.amountCents })];
        if (state.status === 'none' || state.status === 'requested') return [PaymentVoided({ orderId })];
        return []; // declined, refunded or voided: nothing to give back
      }),
    ),
  ];
}

/** Loads the payment, decides, appends at the version loaded, publishes the outcomes. */
function decide(
  ctx: HandlerContext,
  orderId: string,
  decision: (state: PaymentState) => readonly PaymentEvent[],
): Promise<void> {
  const stream = paymentStream(orderId);
  // Run again on a conflict when the transaction is its own; in a consumer's (how payment
  // commands arrive), the consumer runs the whole message again.
  return ctx.transaction(
    async (uow) => {
      const { state, version } = await aggregateStream(uow, stream, payment);
      // One id in the log and on the wire: a saga that hears both copies handles it once.
      const events = decision(state).map((event) => ({ ...event, id: uuidv7() }));
      if (events.length === 0) return;
      await uow.store.events.appendToStream(stream, events, {
        ...appendOptionsFrom(uow),
        expectedVersion: version,
      });
      for (const event of events) if (published.has(event.type)) await uow.publish(event);
    },
    { retry: {} },
  );
}
