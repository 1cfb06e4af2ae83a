/**
 * Message journeys on a store: steps recorded by several services into one store read back as
 * one tree, queried by every filter with paging, purged by age, and overwritten when recorded
 * again. Journeys live in the documents port, so this also pins the queries they rely on.
 */
import { describe, expect, it } from 'vitest';
import {
  isValidationError,
  journeyCollection,
  JourneyQueries,
  JourneyRecorder,
  type JourneyNode,
  type JourneyStep,
  type NewJourneyStep,
  type Store,
} from '@whizbang/core';
import { rejection, storeHarness, type StoreFactory } from './harness.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

/** The tree as nested `[messageId, [handler@service], children]`. */
type Shape = [string, string[], Shape[]];
const shape = (node: JourneyNode): Shape => [
  node.messageId,
  node.steps.map((s) => `${s.handler}@${s.service ?? '-'}`),
  node.children.map(shape),
];

const at = (base: number, n: number) => base + n * 1_000;

/** A step of journey `correlationId`; `n` orders steps in time. */
function step(
  base: number,
  n: number,
  messageId: string,
  handler: string,
  more: Partial<NewJourneyStep> = {},
): NewJourneyStep {
  return {
    correlationId: 'journey-1',
    messageId,
    messageType: messageId.replace(/-\d+$/, ''),
    kind: 'event',
    handler,
    startedAt: at(base, n),
    durationMs: 500,
    outcome: 'ok',
    ...more,
  };
}

/**
 * Orders (service A) takes PlaceOrder and appends OrderPlaced, whose projection and reactor run
 * there; the reactor sends ChargeCard to billing (service B), which fails once. Journey 2 is a
 * lone query in another tenant.
 */
async function twoServices(store: Store, base: number): Promise<void> {
  const orders = new JourneyRecorder({ store, service: 'orders', node: 'orders-1' });
  const billing = new JourneyRecorder({ store, service: 'billing', node: 'billing-1' });
  // Written out of order and by two recorders, as the nodes of a real journey would.
  billing.record(
    step(base, 6, 'ChargeCard-1', 'charge-card', {
      kind: 'command',
      causationId: 'OrderPlaced-1',
      outcome: 'error',
      error: { name: 'CardDeclined', message: 'insufficient funds', code: 'E_CARD' },
    }),
  );
  orders.record(
    step(base, 2, 'OrderPlaced-1', 'order-summary', { kind: 'projection', causationId: 'PlaceOrder-1' }),
  );
  orders.record(step(base, 1, 'PlaceOrder-1', 'place-order', { kind: 'command', tenantId: 'acme' }));
  orders.record(step(base, 3, 'OrderPlaced-1', 'payment', { kind: 'reactor', causationId: 'PlaceOrder-1' }));
  orders.record(step(base, 4, 'ChargeCard-1', 'relay', { kind: 'publish', causationId: 'OrderPlaced-1' }));
  billing.record(
    step(base, 5, 'ChargeCard-1', 'consumer', { kind: 'consume', causationId: 'OrderPlaced-1' }),
  );
  orders.record(
    step(base, 7, 'GetOrder-1', 'get-order', {
      correlationId: 'journey-2',
      kind: 'query',
      tenantId: 'globex',
    }),
  );
  await Promise.all([orders.flush(), billing.flush()]);
  expect(orders.counters).toEqual({ recorded: 5, dropped: 0, flushed: 5 });
  expect(billing.counters).toEqual({ recorded: 2, dropped: 0, flushed: 2 });
}

/** Every page of a query, as message ids. */
async function pages(queries: JourneyQueries, options: Parameters<JourneyQueries['find']>[0]) {
  const out: string[][] = [];
  let after: string | undefined;
  do {
    const page = await queries.find({ ...options, ...(after !== undefined && { after }) });
    out.push(page.steps.map((s) => `${s.messageId}:${s.handler}`));
    after = page.next;
  } while (after !== undefined);
  return out;
}

export function journeyCases(factory: StoreFactory): void {
  const open = storeHarness(factory);

  describe('message journeys', () => {
    it('reads the steps two services recorded as one tree, ordered and across nodes', async () => {
      const store = await open();
      const base = Date.now() - 10 * MINUTE;
      // Starting creates the collection's indexes (twice is harmless) and purges nothing recent.
      const recorder = new JourneyRecorder({ store });
      await recorder.start();
      await recorder.stop();
      await recorder.start();
      await recorder.stop();
      await twoServices(store, base);
      const queries = new JourneyQueries(store);
      const journey = await queries.get('journey-1');
      expect(journey?.roots.map(shape)).toEqual([
        [
          'PlaceOrder-1',
          ['place-order@orders'],
          [
            [
              'OrderPlaced-1',
              ['order-summary@orders', 'payment@orders'],
              [['ChargeCard-1', ['relay@orders', 'consumer@billing', 'charge-card@billing'], []]],
            ],
          ],
        ],
      ]);
      expect(journey).toMatchObject({
        correlationId: 'journey-1',
        startedAt: at(base, 1),
        durationMs: at(base, 6) + 500 - at(base, 1),
        outcome: 'error',
        stepCount: 6,
        truncated: false,
      });
      const charge = journey!.roots[0]!.children[0]!.children[0]!;
      expect(charge).toMatchObject({ kind: 'command', service: 'billing', causationId: 'OrderPlaced-1' });
      expect(charge.steps.map((s) => s.node)).toEqual(['orders-1', 'billing-1', 'billing-1']);
      expect(charge.steps[2]).toMatchObject({
        outcome: 'error',
        error: { name: 'CardDeclined', message: 'insufficient funds', code: 'E_CARD' },
      });

      // One tenant's part of a journey, its cause missing from that view, is a root of its own.
      const acme = await queries.get('journey-1', { tenantId: 'acme' });
      expect(acme?.roots.map(shape)).toEqual([['PlaceOrder-1', ['place-order@orders'], []]]);
      expect(await queries.get('journey-1', { tenantId: 'globex' })).toBeUndefined();
      expect(await queries.get('no-such-journey')).toBeUndefined();

      const capped = await queries.get('journey-1', { maxSteps: 4 });
      expect(capped).toMatchObject({ stepCount: 4, truncated: true });
      expect(capped?.roots[0]?.children[0]?.children[0]?.steps.map((s) => s.handler)).toEqual(['relay']);
      expect((await queries.get('journey-1', { maxSteps: 6 }))?.truncated).toBe(false);
    });

    it('finds steps by correlation id, type, outcome, tenant and time, newest first, with paging', async () => {
      const store = await open();
      const base = Date.now() - 10 * MINUTE;
      await twoServices(store, base);
      const queries = new JourneyQueries(store);
      const all = await pages(queries, { limit: 2 });
      expect(all).toEqual([
        ['GetOrder-1:get-order', 'ChargeCard-1:charge-card'],
        ['ChargeCard-1:consumer', 'ChargeCard-1:relay'],
        ['OrderPlaced-1:payment', 'OrderPlaced-1:order-summary'],
        ['PlaceOrder-1:place-order'],
      ]);
      expect((await pages(queries, { correlationId: 'journey-2' })).flat()).toEqual(['GetOrder-1:get-order']);
      expect((await pages(queries, { messageType: 'OrderPlaced', limit: 1 })).flat()).toEqual([
        'OrderPlaced-1:payment',
        'OrderPlaced-1:order-summary',
      ]);
      expect((await pages(queries, { outcome: 'error' })).flat()).toEqual(['ChargeCard-1:charge-card']);
      expect((await pages(queries, { tenantId: 'globex' })).flat()).toEqual(['GetOrder-1:get-order']);
      // `from` is inclusive and `to` exclusive, as Dates or ms.
      const window = await pages(queries, { from: new Date(at(base, 3)), to: at(base, 6), limit: 2 });
      expect(window).toEqual([['ChargeCard-1:consumer', 'ChargeCard-1:relay'], ['OrderPlaced-1:payment']]);
      expect(
        (await pages(queries, { correlationId: 'journey-1', outcome: 'ok', from: at(base, 4) })).flat(),
      ).toEqual(['ChargeCard-1:consumer', 'ChargeCard-1:relay']);
      expect((await queries.find({ messageType: 'Nothing' })).steps).toEqual([]);
      // The stored sort key stays in the store.
      expect((await queries.find({ limit: 1 })).steps[0]).not.toHaveProperty('startedAtDesc');
      for (const bad of [{ outcome: 'maybe' }, { from: 'yesterday' }, { limit: 0 }, { correlationId: '' }]) {
        expect(isValidationError(await rejection(queries.find(bad as never)))).toBe(true);
      }
    });

    it('purges only the steps past their retention', async () => {
      const store = await open();
      const now = Date.now();
      const recorder = new JourneyRecorder({ store, retentionDays: 1 });
      for (let n = 0; n < 5; n++)
        recorder.record(step(now, 0, `Old-${n}`, 'h', { startedAt: now - DAY - 1 - n }));
      recorder.record(step(now, 0, 'Edge-1', 'h', { startedAt: now - DAY }));
      recorder.record(step(now, 0, 'New-1', 'h', { startedAt: now - MINUTE }));
      await recorder.flush();
      expect(await recorder.purge(now)).toBe(5);
      const left = await new JourneyQueries(store).find();
      expect(left.steps.map((s) => s.messageId)).toEqual(['New-1', 'Edge-1']);
      expect(await recorder.purge(now)).toBe(0);
    });

    it('overwrites a step recorded again under the same id, never adding a second', async () => {
      const store = await open();
      const base = Date.now() - MINUTE;
      const recorder = new JourneyRecorder({ store });
      recorder.record(
        step(base, 0, 'Redelivered-1', 'h', { outcome: 'error', error: { name: 'E', message: 'x' } }),
      );
      await recorder.flush();
      recorder.record(step(base, 1, 'Redelivered-1', 'h', { durationMs: 3 }));
      await recorder.flush();
      const stored = await store.documents.list<JourneyStep>(journeyCollection);
      expect(stored.map((d) => [d.id, d.version, d.data.outcome, d.data.durationMs])).toEqual([
        ['Redelivered-1:h', 2, 'ok', 3],
      ]);
      expect(stored[0]!.data.error).toBeUndefined();
      const journey = await new JourneyQueries(store).get('journey-1');
      expect(journey).toMatchObject({ outcome: 'ok', stepCount: 1 });
    });
  });
}
