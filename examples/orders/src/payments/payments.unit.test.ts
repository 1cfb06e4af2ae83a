/**
 * The simulated payment service on its own: each command's effect on the payment's stream,
 * asked once or twice, and the failures it can be told to have.
 */
import { handle, memoryStore, whizbang, type Store, type WhizbangApp } from '@whizbang/core';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  CancelPayment,
  ChargePayment,
  gatewayAnswers,
  paymentOptionsFromEnv,
  paymentService,
  PaymentCharged,
  paymentStream,
  simulatedGateway,
  SettlePayment,
  type PaymentServiceOptions,
} from './index.js';

let store: Store;
let app: WhizbangApp;
const charge = ChargePayment({ orderId: 'o-1', customerId: 'ada', amountCents: 42_00 });
const history = async () =>
  (await store.events.readStream(paymentStream('o-1'))).events.map(({ type, data }) => ({ type, data }));

function paymentsApp(options: PaymentServiceOptions = {}): WhizbangApp {
  store = memoryStore();
  return (app = whizbang({ store, ...paymentService(options) }));
}

describe('the payment service', () => {
  beforeEach(() => void paymentsApp());

  it('charges an order once, however often it is asked', async () => {
    await app.send(charge);
    await app.send(charge);
    expect(await history()).toEqual([
      { type: 'PaymentCharged', data: { orderId: 'o-1', amountCents: 42_00 } },
    ]);
  });

  it('refunds a charged payment when it is cancelled, once', async () => {
    await app.send(charge);
    await app.send(CancelPayment({ orderId: 'o-1' }));
    await app.send(CancelPayment({ orderId: 'o-1' }));
    expect((await history()).map((event) => event.type)).toEqual(['PaymentCharged', 'PaymentRefunded']);
    expect((await history())[1]?.data).toEqual({ orderId: 'o-1', amountCents: 42_00 });
  });

  it('voids a payment cancelled before it was charged: a late charge charges nothing', async () => {
    await app.send(CancelPayment({ orderId: 'o-1' }));
    await app.send(charge);
    expect((await history()).map((event) => event.type)).toEqual(['PaymentVoided']);
  });

  it('publishes each outcome under the id it has in the log', async () => {
    // A saga that hears both copies (a shared store, and a subscription) handles it once.
    const published: string[] = [];
    const service = paymentService();
    app = whizbang({
      store,
      handlers: [...service.handlers, handle(PaymentCharged, (event) => void published.push(event.id))],
    });
    await app.send(charge);
    const [charged] = (await store.events.readStream(paymentStream('o-1'))).events;
    expect(published).toEqual([charged?.id]);
  });
});

describe('the payment service, told to fail', () => {
  it('declines charges over the limit, with the reason', async () => {
    paymentsApp({ declineAboveCents: 40_00 });
    await app.send(charge);
    expect(await history()).toEqual([
      {
        type: 'PaymentDeclined',
        data: { orderId: 'o-1', amountCents: 42_00, reason: "42.00 is over the card's 40.00 limit" },
      },
    ]);
  });

  it('fails as often as its failure rate says, writing nothing, so the command is retried', async () => {
    const chances = [0.3, 0.7];
    paymentsApp({ failureRate: 0.5, random: () => chances.shift() ?? 0 });
    await expect(app.send(charge)).rejects.toMatchObject({
      name: 'PaymentGatewayUnavailableError',
      code: 'PAYMENT_GATEWAY_UNAVAILABLE',
    });
    expect(await history()).toEqual([]);
    await app.send(charge); // 0.7: through
    expect((await history()).map((event) => event.type)).toEqual(['PaymentCharged']);
  });

  it('answers late when slow: the request now, the answer after the delay', async () => {
    paymentsApp({ delayMs: 200 });
    await app.start();
    try {
      const asked = Date.now();
      await app.send(charge);
      expect((await history()).map((event) => event.type)).toEqual(['PaymentRequested']);
      while ((await history()).length < 2 && Date.now() - asked < 5_000)
        await new Promise((resolve) => setTimeout(resolve, 10));
      expect(Date.now() - asked).toBeGreaterThanOrEqual(200);
      expect((await history()).map((event) => event.type)).toEqual(['PaymentRequested', 'PaymentCharged']);
      expect(await app.sagaInstance(gatewayAnswers(200), 'o-1')).toMatchObject({ status: 'completed' });
      await app.send(SettlePayment({ orderId: 'o-1' })); // an answer delivered twice: settled once
      expect(await history()).toHaveLength(2);
    } finally {
      await app.stop();
    }
  });

  it('refuses options it cannot honour, naming them', () => {
    expect(() => simulatedGateway({ failureRate: 1.5, delayMs: -1, declineAboveCents: 0.5 })).toThrow(
      expect.objectContaining({
        code: 'WHIZBANG_VALIDATION',
        issues: [
          expect.objectContaining({ path: ['declineAboveCents'] }),
          expect.objectContaining({ path: ['failureRate'] }),
          expect.objectContaining({ path: ['delayMs'] }),
        ],
      }),
    );
  });

  it('reads its failures from the environment, over the defaults', () => {
    expect(
      paymentOptionsFromEnv(
        { PAYMENTS_FAILURE_RATE: '0.25', PAYMENTS_DELAY_MS: '', PAYMENTS_DECLINE_ABOVE_CENTS: '15000' },
        { delayMs: 100 },
      ),
    ).toEqual({ failureRate: 0.25, delayMs: 100, declineAboveCents: 150_00 });
    expect(() => paymentOptionsFromEnv({ PAYMENTS_DELAY_MS: 'soon' })).toThrow(/PAYMENTS_DELAY_MS/);
  });
});
