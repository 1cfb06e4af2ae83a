/**
 * A slow gateway's answers, on time: a request recorded now is settled `delayMs` later. The
 * wait is a durable saga timeout, not a sleep in a handler, which would hold the command's
 * transaction (and, on SQLite, the one writer) open all that while.
 */
import { defineSaga } from '@whizbang/core';
import { SettlePayment, type PaymentEvent } from './payment-messages.js';

export function gatewayAnswers(delayMs: number) {
  return defineSaga<null, PaymentEvent>({
    name: 'payment-gateway',
    startedBy: ['PaymentRequested'],
    correlate: { PaymentRequested: (requested) => requested.data.orderId },
    initialState: () => null,
    handlers: {
      PaymentRequested: (_state, _requested, saga) => saga.requestTimeout('answer', { delayMs }),
    },
    timeouts: {
      answer: (_state, _timeout, saga) => {
        saga.send(SettlePayment({ orderId: saga.id }));
        saga.complete();
      },
    },
  });
}
