import { foldEvents } from '@whizbang/core';
import { describe, expect, it } from 'vitest';
import { CustomerId, OrderId, ProductId } from './ids.js';
import {
  AbandonOrder,
  CancelOrder,
  ConfirmOrder,
  ConfirmPaidOrder,
  CreateOrder,
  DeliverOrder,
  OrderCancelled,
  OrderConfirmed,
  OrderDelivered,
  OrderPlaced,
  OrderShipped,
  ShipOrder,
  type OrderCommand,
  type OrderEvent,
  type OrderItem,
} from './order-messages.js';
import { orderDecider } from './order.js';

const orderId = OrderId.from('o-1');
const customerId = CustomerId.from('c-1');
const mug: OrderItem = { productId: ProductId.from('mug'), name: 'Mug', quantity: 2, unitPriceCents: 12_00 };
const beans: OrderItem = {
  productId: ProductId.from('beans'),
  name: 'Beans',
  quantity: 1,
  unitPriceCents: 24_50,
};

const placed = OrderPlaced({ orderId, customerId, items: [mug, beans], totalCents: 48_50 });
const confirmed = OrderConfirmed({ orderId });
const shipped = OrderShipped({ orderId, trackingNumber: 'T-1' });
const delivered = OrderDelivered({ orderId });
const cancelled = OrderCancelled({ orderId, reason: 'changed my mind' });

const decide = (given: OrderEvent[], command: OrderCommand) =>
  orderDecider.decide(command, foldEvents(orderDecider, given));
function refusal(given: OrderEvent[], command: OrderCommand): unknown {
  try {
    decide(given, command);
  } catch (error) {
    return error;
  }
  throw new Error('expected the command to be refused');
}

describe('order: placing', () => {
  it('places an order with its items and total', () => {
    expect(decide([], CreateOrder({ orderId, customerId, items: [mug, beans] }))).toEqual([placed]);
  });

  it('refuses an empty order', () => {
    expect(refusal([], CreateOrder({ orderId, customerId, items: [] }))).toMatchObject({
      name: 'OrderRuleViolation',
      aggregate: 'order',
      code: 'ORDER_EMPTY',
    });
  });

  it('refuses quantities and prices that are not positive whole numbers', () => {
    for (const quantity of [0, -1, 1.5])
      expect(refusal([], CreateOrder({ orderId, customerId, items: [{ ...mug, quantity }] }))).toMatchObject({
        code: 'INVALID_QUANTITY',
        details: { quantity },
      });
    for (const unitPriceCents of [0, -100, 0.5])
      expect(
        refusal([], CreateOrder({ orderId, customerId, items: [{ ...mug, unitPriceCents }] })),
      ).toMatchObject({ code: 'INVALID_PRICE' });
  });

  it('refuses the same product on two lines', () => {
    expect(refusal([], CreateOrder({ orderId, customerId, items: [mug, mug] }))).toMatchObject({
      code: 'ORDER_DUPLICATE_PRODUCT',
    });
  });

  it('refuses to place an order that exists', () => {
    expect(refusal([placed], CreateOrder({ orderId, customerId, items: [mug] }))).toMatchObject({
      code: 'ORDER_ALREADY_EXISTS',
    });
  });
});

describe('order: lifecycle', () => {
  it('goes Pending → Confirmed → Shipped → Delivered', () => {
    expect(decide([placed], ConfirmOrder({ orderId }))).toEqual([confirmed]);
    expect(decide([placed, confirmed], ShipOrder({ orderId, trackingNumber: ' T-1 ' }))).toEqual([shipped]);
    expect(decide([placed, confirmed, shipped], DeliverOrder({ orderId }))).toEqual([delivered]);
    expect(foldEvents(orderDecider, [placed, confirmed, shipped, delivered])).toMatchObject({
      status: 'delivered',
      trackingNumber: 'T-1',
      totalCents: 48_50,
    });
  });

  it('confirms only pending orders', () => {
    for (const given of [
      [placed, confirmed],
      [placed, cancelled],
      [placed, confirmed, shipped],
    ])
      expect(refusal(given, ConfirmOrder({ orderId }))).toMatchObject({ code: 'ORDER_NOT_PENDING' });
  });

  it('ships only confirmed orders, and only with a tracking number', () => {
    expect(refusal([placed], ShipOrder({ orderId, trackingNumber: 'T-1' }))).toMatchObject({
      code: 'ORDER_NOT_CONFIRMED',
      details: { status: 'pending' },
    });
    expect(refusal([placed, confirmed], ShipOrder({ orderId, trackingNumber: '  ' }))).toMatchObject({
      code: 'TRACKING_NUMBER_REQUIRED',
    });
  });

  it('delivers only shipped orders', () => {
    expect(refusal([placed, confirmed], DeliverOrder({ orderId }))).toMatchObject({
      code: 'ORDER_NOT_SHIPPED',
    });
  });

  it('refuses every command but placing for an order that does not exist', () => {
    for (const command of [
      ConfirmOrder({ orderId }),
      ShipOrder({ orderId, trackingNumber: 'T' }),
      DeliverOrder({ orderId }),
      CancelOrder({ orderId, reason: 'r' }),
    ])
      expect(refusal([], command)).toMatchObject({ code: 'ORDER_NOT_FOUND' });
  });
});

describe('order: cancelling', () => {
  it('cancels a pending or confirmed order, with its reason', () => {
    expect(decide([placed], CancelOrder({ orderId, reason: 'changed my mind' }))).toEqual([cancelled]);
    expect(decide([placed, confirmed], CancelOrder({ orderId, reason: 'changed my mind' }))).toEqual([
      cancelled,
    ]);
    expect(foldEvents(orderDecider, [placed, cancelled])).toMatchObject({
      status: 'cancelled',
      cancelReason: 'changed my mind',
    });
  });

  it('refuses to cancel a shipped or delivered order', () => {
    for (const given of [
      [placed, confirmed, shipped],
      [placed, confirmed, shipped, delivered],
    ])
      expect(refusal(given, CancelOrder({ orderId, reason: 'too late' }))).toMatchObject({
        code: 'ORDER_ALREADY_SHIPPED',
      });
  });

  it('refuses to cancel twice, or without a reason', () => {
    expect(refusal([placed, cancelled], CancelOrder({ orderId, reason: 'again' }))).toMatchObject({
      code: 'ORDER_ALREADY_CANCELLED',
    });
    expect(refusal([placed], CancelOrder({ orderId, reason: ' ' }))).toMatchObject({
      code: 'CANCEL_REASON_REQUIRED',
    });
  });
});

describe('order: what the fulfillment saga sends', () => {
  it('confirms a pending order once paid, and leaves any other as it is', () => {
    expect(decide([placed], ConfirmPaidOrder({ orderId }))).toEqual([confirmed]);
    for (const given of [[], [placed, confirmed], [placed, cancelled], [placed, confirmed, shipped]])
      expect(decide(given, ConfirmPaidOrder({ orderId }))).toEqual([]);
  });

  it('abandons a pending or confirmed order with the reason, and leaves a shipped or cancelled one', () => {
    const reason = 'payment declined: card expired';
    const abandoned = OrderCancelled({ orderId, reason });
    expect(decide([placed], AbandonOrder({ orderId, reason }))).toEqual([abandoned]);
    expect(decide([placed, confirmed], AbandonOrder({ orderId, reason }))).toEqual([abandoned]);
    for (const given of [[], [placed, cancelled], [placed, confirmed, shipped]])
      expect(decide(given, AbandonOrder({ orderId, reason }))).toEqual([]);
  });
});
