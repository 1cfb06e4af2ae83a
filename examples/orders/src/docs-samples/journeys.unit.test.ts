import { expect, it } from 'vitest';
import { JourneyQueries, JourneyRecorder, memoryStore, uuidv7, type NewJourneyStep } from '@whizbang/core';
import { sqliteStore } from '@whizbang/sqlite';
import { appWithJourneys, lastFailure, masked, printJourney } from './journeys.js';

it('docs/journeys.md: the redactor masks keys at any depth and the paths given', () => {
  expect(masked).toEqual({
    customer: { name: 'Ada', email: '[REDACTED]', password: '[REDACTED]' },
    lines: [{ sku: 'A-1', note: '[REDACTED]' }],
    payment: { IBAN: '[REDACTED]' },
  });
});

for (const [name, open] of [
  ['memory', () => memoryStore()],
  ['sqlite', () => sqliteStore({ path: ':memory:' })],
] as const) {
  it(`docs/journeys.md samples run on ${name}`, async () => {
    await using store = open();
    const { app, journeys } = appWithJourneys(store);
    // Billing is another service writing to the same store.
    const billing = new JourneyRecorder({ store, service: 'billing' });
    await app.start();
    let correlationId = uuidv7();
    while (!journeys.sampled(correlationId)) correlationId = uuidv7();
    const t = Date.now() - 1_000;
    const step = (
      messageId: string,
      messageType: string,
      handler: string,
      at: number,
      more: Partial<NewJourneyStep>,
    ): NewJourneyStep => ({
      correlationId,
      messageId,
      messageType,
      handler,
      kind: 'event',
      startedAt: t + at,
      durationMs: 1,
      outcome: 'ok',
      ...more,
    });
    journeys.record(
      step('m1', 'PlaceOrder', 'place-order', 0, {
        kind: 'command',
        durationMs: 4,
        data: { customer: { email: 'ada@example.com' }, lines: [{ sku: 'A-1', note: 'hi' }] },
      }),
    );
    journeys.record(step('m2', 'OrderPlaced', 'order-summary', 5, { kind: 'projection', causationId: 'm1' }));
    journeys.record(
      step('m2', 'OrderPlaced', 'payment', 6, { kind: 'reactor', causationId: 'm1', durationMs: 2 }),
    );
    billing.record(
      step('m3', 'ChargeCard', 'charge-card', 9, {
        kind: 'command',
        causationId: 'm2',
        durationMs: 12,
        outcome: 'error',
        error: { name: 'CardDeclined', message: 'insufficient funds' },
      }),
    );
    await billing.flush();
    await app.stop(); // flushes the orders service's steps

    const journey = await lastFailure(store);
    expect(printJourney(journey!)).toEqual([
      'PlaceOrder → place-order [command, orders] 4 ms ok',
      '  OrderPlaced → order-summary [projection, orders] 1 ms ok',
      '  OrderPlaced → payment [reactor, orders] 2 ms ok',
      '    ChargeCard → charge-card [command, billing] 12 ms error CardDeclined: insufficient funds',
    ]);
    const placed = await new JourneyQueries(store).find({ messageType: 'PlaceOrder' });
    expect(placed.steps[0]?.data).toEqual({
      customer: { email: '[REDACTED]' },
      lines: [{ sku: 'A-1', note: '[REDACTED]' }],
    });
  });
}
