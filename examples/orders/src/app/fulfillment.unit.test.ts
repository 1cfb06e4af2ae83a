// oxlint-disable vitest/expect-expect -- SagaSpec's checks are the assertions: each rejects on failure
import { SagaSpec } from '@whizbang/testing';
import { describe, expect, it } from 'vitest';
import { CustomerId, OrderId } from '../domain/ids.js';
import {
  AbandonOrder,
  ConfirmPaidOrder,
  OrderCancelled,
  OrderPlaced,
  OrderShipped,
} from '../domain/order-messages.js';
import {
  CancelPayment,
  ChargePayment,
  PaymentCharged,
  PaymentDeclined,
} from '../payments/payment-messages.js';
import { fulfillmentOptionsFromEnv } from './fulfillment-env.js';
import { fulfillment } from './fulfillment.js';

const orderId = OrderId.from('o-1');
const customerId = CustomerId.from('ada');
const placed = OrderPlaced({ orderId, customerId, items: [], totalCents: 42_00 });
const charged = PaymentCharged({ orderId, amountCents: 42_00 });
const declined = PaymentDeclined({ orderId, amountCents: 42_00, reason: 'insufficient funds' });
const shipped = OrderShipped({ orderId, trackingNumber: '1Z-1' });
const saga = fulfillment({ payWithinMs: 30_000, shipWithinMs: 2 * 3_600_000 });
const spec = () => SagaSpec.for(saga);

describe('the fulfillment saga: paid, then shipped', () => {
  it('asks for the payment when the order is placed, with a deadline', async () => {
    await spec()
      .given([])
      .when(placed)
      .thenSends([ChargePayment({ orderId, customerId, amountCents: 42_00 })]);
    await spec().given([]).when(placed).thenRequestsTimeout('payment');
    await spec().given([]).when(placed).thenState({ stage: 'paying', amountCents: 42_00 });
  });

  it('confirms the order once paid, and gives the warehouse its own deadline', async () => {
    await spec()
      .given([placed])
      .when(charged)
      .thenSends([ConfirmPaidOrder({ orderId })]);
    await spec().given([placed]).when(charged).thenRequestsTimeout('shipping');
    await spec().given([placed]).when(charged).thenState({ stage: 'shipping', amountCents: 42_00 });
  });

  it('is done when the order ships, keeping the payment', async () => {
    await spec().given([placed, charged]).when(shipped).thenCompletes();
    await spec().given([placed, charged]).when(shipped).thenSends([]);
    await spec().given([placed, charged, shipped]).when(charged).thenIgnores();
  });
});

describe('the fulfillment saga: declined, late, or cancelled', () => {
  it('abandons the order when the payment is declined, then voids the payment', async () => {
    await spec()
      .given([placed])
      .when(declined)
      .thenSends([AbandonOrder({ orderId, reason: 'payment declined: insufficient funds' })]);
    const cancelled = OrderCancelled({ orderId, reason: 'payment declined: insufficient funds' });
    await spec()
      .given([placed, declined])
      .when(cancelled)
      .thenCompensates('payment declined: insufficient funds');
    await spec()
      .given([placed, declined])
      .when(cancelled)
      .thenSends([CancelPayment({ orderId })]);
  });

  it('abandons the order when the payment does not come in time', async () => {
    await spec()
      .given([placed])
      .whenTimeout('payment')
      .thenSends([AbandonOrder({ orderId, reason: 'not paid within 30 s' })]);
    await spec()
      .given([placed])
      .whenTimeout('payment')
      .thenState({ stage: 'abandoning', amountCents: 42_00 });
    // Once cancelled, the payment is voided (or refunded, if the gateway answered meanwhile).
    await spec()
      .given([placed])
      .when(OrderCancelled({ orderId, reason: 'not paid within 30 s' }))
      .thenSends([CancelPayment({ orderId })]);
  });

  it('ignores an answer that comes while it abandons the order', async () => {
    // After a decline, as after a deadline: waiting for the order to be cancelled.
    await spec().given([placed, declined]).when(charged).thenSends([]);
    await spec()
      .given([placed, declined])
      .when(charged)
      .thenState({ stage: 'abandoning', amountCents: 42_00 });
  });

  it('abandons a paid order the warehouse does not ship in time, then refunds it', async () => {
    await spec()
      .given([placed, charged])
      .whenTimeout('shipping')
      .thenSends([AbandonOrder({ orderId, reason: 'not shipped within 2 h' })]);
    const cancelled = OrderCancelled({ orderId, reason: 'not shipped within 2 h' });
    await spec().given([placed, charged]).when(cancelled).thenCompensates('not shipped within 2 h');
    await spec()
      .given([placed, charged])
      .when(cancelled)
      .thenSends([CancelPayment({ orderId })]);
  });

  it('completes when the order ships as its time runs out: the order settled the race', async () => {
    // The shipping timeout fell due and sent AbandonOrder; the order had shipped first.
    await spec().given([placed, charged]).when(shipped).thenCompletes();
  });

  it('undoes the payment of an order the back office cancels', async () => {
    const cancelled = OrderCancelled({ orderId, reason: 'changed my mind' });
    await spec().given([placed]).when(cancelled).thenCompensates('changed my mind');
    await spec()
      .given([placed])
      .when(cancelled)
      .thenSends([CancelPayment({ orderId })]);
    await spec().given([placed, cancelled]).when(charged).thenIgnores();
  });

  it('hears nothing of an order it never started for', async () => {
    await spec().given([]).when(charged).thenIgnores();
    await spec().given([]).when(shipped).thenIgnores();
  });
});

describe('the fulfillment saga: its times', () => {
  it('refuses times it cannot wait, when it is made', () => {
    expect(() => fulfillment({ payWithinMs: 0, shipWithinMs: 1.5 })).toThrow(
      expect.objectContaining({
        code: 'WHIZBANG_VALIDATION',
        issues: [
          expect.objectContaining({ path: ['payWithinMs'] }),
          expect.objectContaining({ path: ['shipWithinMs'] }),
        ],
      }),
    );
  });

  it('reads them from the environment, over the defaults given', () => {
    expect(fulfillmentOptionsFromEnv({ ORDERS_PAY_WITHIN_MS: '5000' }, { shipWithinMs: 1_000 })).toEqual({
      payWithinMs: 5_000,
      shipWithinMs: 1_000,
    });
    expect(fulfillmentOptionsFromEnv({})).toEqual({});
    expect(() => fulfillmentOptionsFromEnv({ ORDERS_SHIP_WITHIN_MS: 'tomorrow' })).toThrow(
      /ORDERS_SHIP_WITHIN_MS/,
    );
  });
});
