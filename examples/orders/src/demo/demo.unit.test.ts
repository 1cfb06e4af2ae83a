import { memoryStore } from '@whizbang/core';
import { describe, expect, it } from 'vitest';
import { createOrdersApp } from '../app/create-app.js';
import { GetOrder } from '../app/get-order.js';
import { adminPrincipal } from '../app/roles.js';
import { demoPayments, demoProducts, seedDemoData } from './demo-data.js';
import { runDemo } from './run-demo.js';

const backOffice = { principal: adminPrincipal('back-office') };

describe('the demo that npm run demo runs', () => {
  it('says first which store it runs on, then walks the journey with correlation ids', async () => {
    const lines: string[] = [];
    const notices: string[] = [];
    const app = createOrdersApp({
      store: memoryStore(),
      notify: (n) => void notices.push(n.trackingNumber),
      fulfillment: { shipWithinMs: 1_000 },
      payments: demoPayments,
    });
    await app.start();
    const outcome = await runDemo({ app, log: (line) => lines.push(line) });
    await app.stop();

    expect(lines[0]).toMatch(/IN-MEMORY store/);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^Ada's orders: …[0-9a-f]{8} cancelled 59\.90, …[0-9a-f]{8} cancelled 157\.90, …[0-9a-f]{8} shipped 61\.00\.$/,
      ),
    );
    expect(lines).toContainEqual(expect.stringMatching(/: 6 ordered in 2 order\(s\)\.$/));
    expect(lines).toContainEqual(expect.stringMatching(/total 61\.00: paid, and confirmed$/));
    expect(lines).toContainEqual(
      expect.stringMatching(
        /total 157\.90: cancelled \(payment declined: 157\.90 is over the card's 150\.00 limit\)$/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /Refusals wrote nothing.*: 2 kettles in stock, 439\.00 of Ada's credit available\.$/,
      ),
    );
    expect(notices).toEqual(['1Z-DEMO-0001']);
    expect(outcome.refusals).toEqual(['ORDER_ALREADY_SHIPPED', 'INSUFFICIENT_STOCK']);
    expect(await app.query(GetOrder({ orderId: outcome.orderId }), backOffice)).toMatchObject({
      status: 'shipped',
    });
    expect(lines.filter((line) => /^\d\. .*\(correlation …[0-9a-f]{8}\)$/.test(line))).toHaveLength(6);
    expect(lines).toContainEqual(
      expect.stringMatching(/⏱ order …[0-9a-f]{8} cancelled \(not shipped within 1 s\); the saga undoes/),
    );
    for (const orderId of [outcome.declinedOrderId, outcome.unshippedOrderId])
      expect(await app.query(GetOrder({ orderId }), backOffice)).toMatchObject({ status: 'cancelled' });
    expect(lines.length).toBeLessThanOrEqual(20);
  });

  it('seeds idempotently: a second run adds nothing', async () => {
    const store = memoryStore();
    const app = createOrdersApp({ store });
    expect(await seedDemoData(app)).toEqual({ created: 4, existing: 0 });
    const head = await store.events.readHeadPosition();
    expect(await seedDemoData(app)).toEqual({ created: 0, existing: 4 });
    expect(await store.events.readHeadPosition()).toEqual(head);
    expect(Object.keys(demoProducts)).toHaveLength(3);
  });
});

describe('the demo on SQLite', () => {
  it('runs the same journey on the embedded store', async () => {
    const { sqliteStore } = await import('@whizbang/sqlite');
    const store = sqliteStore({ path: ':memory:' });
    const lines: string[] = [];
    const app = createOrdersApp({ store, fulfillment: { shipWithinMs: 1_000 }, payments: demoPayments });
    await app.start();
    const outcome = await runDemo({ app, where: 'test.db', log: (line) => lines.push(line) });
    await app.stop();
    expect(lines[0]).toBe('Whizbang orders example, on the sqlite store at test.db.');
    expect(outcome.refusals).toEqual(['ORDER_ALREADY_SHIPPED', 'INSUFFICIENT_STOCK']);
    await store.close();
  });
});
