/**
 * Projections on a driver: inline ones inside the append's transaction, async ones through the
 * daemon (batches, checkpoints, partitions over several nodes, dead letters and replay, the
 * stop policy), and live ones folded on read.
 */
import { describe, expect, it } from 'vitest';
import {
  defineProjection,
  defineTable,
  isProjectionFailedError,
  isStateError,
  project,
  ProjectionDaemon,
  projectionProgress,
  readModel,
  replayDeadLetter,
  waitForProjections,
  withInlineProjections,
} from '@whizbang/core';
import { event, rejection, storeHarness, type StoreFactory } from './harness.js';
import { counter, counts, runDaemons, ticks, type Counter } from './projection-support.js';

export function projectionCases(factory: StoreFactory): void {
  const open = storeHarness(factory);

  describe('projections', () => {
    it('applies inline projections in the append transaction, and fails the append with them', async () => {
      const base = await open();
      let failing = true;
      const inline = defineProjection<Counter>({
        ...counter(),
        lifecycle: 'inline',
        initialState: () => ({ count: 0, last: 0 }),
        handlers: {
          Ticked: (doc, e) => {
            if ((e.data as { bad?: boolean }).bad && failing) throw new Error('no');
            return { count: doc.count + 1, last: e.streamVersion };
          },
        },
      });
      const store = withInlineProjections(base, [inline]);
      await store.events.appendToStream('s-1', ticks(3));
      await store.events.appendToStreams([
        { stream: 's-1', events: ticks(1) },
        { stream: 's-2', events: ticks(2) },
      ]);
      await store.events.appendToStream('s-3', [event('Other')]);
      expect(await counts(store, inline, ['s-1', 's-2', 's-3'])).toEqual({ 's-1': 4, 's-2': 2 });
      const failure = await rejection(store.events.appendToStream('s-1', ticks(1, { bad: true })));
      expect(isProjectionFailedError(failure)).toBe(true);
      expect(failure).toMatchObject({ projection: 'counters', eventType: 'Ticked', stream: 's-1' });
      expect((await store.events.readStream('s-1')).version).toBe(4);
      await store.transaction(async (tx) => {
        await tx.events.appendToStream('s-2', ticks(1), { tenantId: 'acme' });
      });
      expect(await counts(store, inline, ['s-2'], 'acme')).toEqual({ 's-2': 1 });
      failing = false;
      await store.events.appendToStream('s-1', ticks(1, { bad: true }));
      expect(await counts(store, inline, ['s-1'])).toEqual({ 's-1': 5 });
    });

    it('loses no update when concurrent appends change one inline document or row', async () => {
      const base = await open();
      const identity = (e: { data: unknown }) => [(e.data as { customer: string }).customer];
      const perCustomer = defineProjection<{ count: number }>({
        name: 'per-customer',
        lifecycle: 'inline',
        identity,
        initialState: () => ({ count: 0 }),
        handlers: { Ordered: (doc) => ({ count: doc.count + 1 }) },
      });
      const CustomerRows = defineTable<{ id: string; orders: number }>('customer_orders', {
        columns: { orders: 'integer' },
      });
      const perCustomerRow = defineProjection<{ id: string; orders: number }>({
        name: 'per-customer-row',
        lifecycle: 'inline',
        identity,
        table: CustomerRows,
        initialState: () => ({ id: '', orders: 0 }),
        handlers: { Ordered: (row) => ({ ...row, orders: row.orders + 1 }) },
      });
      await base.tables.migrate(CustomerRows);
      const store = withInlineProjections(base, [perCustomer, perCustomerRow]);
      // Different streams, one customer: nothing but the read model makes these writers meet.
      const writers = 24;
      await Promise.all(
        Array.from({ length: writers }, (_, i) =>
          store.events.appendToStream(`order-${i}`, [
            event('Ordered', { customer: i % 3 === 0 ? 'c-2' : 'c-1' }),
          ]),
        ),
      );
      const doc = await base.documents.get<{ count: number }>(perCustomer.collection, 'c-1');
      expect(doc?.data.count).toBe(16);
      expect((await base.documents.get<{ count: number }>(perCustomer.collection, 'c-2'))?.data.count).toBe(
        8,
      );
      const rows = await base.tables.getMany(CustomerRows, ['c-1', 'c-2']);
      expect(rows.map((r) => [r.id, r.orders])).toEqual([
        ['c-1', 16],
        ['c-2', 8],
      ]);
    });

    it('runs async projections in the daemon: every event once, documents deleted on null', async () => {
      const store = await open();
      const projection = counter();
      for (let i = 0; i < 10; i++)
        await store.events.appendToStream(`s-${i}`, [...ticks(i + 1), event('Other')]);
      await store.events.appendToStream('s-0', [event('Reset')]);
      await runDaemons(store, [projection], 1, async ([daemon]) => {
        await waitForProjections(store, [projection], { timeoutMs: 20_000 });
        expect(daemon!.status()).toMatchObject([
          { kind: 'projection', projection: 'counters', processed: 56, errors: 0 },
        ]);
        expect(daemon!.status()[0]!.eventsPerSecond).toBeGreaterThan(0);
        await store.events.appendToStream('s-9', ticks(5), { tenantId: 'acme' });
        await waitForProjections(store, [projection], { timeoutMs: 20_000 });
      });
      const ids = Array.from({ length: 10 }, (_, i) => `s-${i}`);
      const expected = Object.fromEntries(ids.slice(1).map((id, i) => [id, i + 2]));
      expect(await counts(store, projection, ids)).toEqual(expected);
      expect(await counts(store, projection, ['s-9'], 'acme')).toEqual({ 's-9': 5 });
      const [progress] = await projectionProgress(store, [projection]);
      expect(progress).toMatchObject({
        projection: 'counters',
        partition: 0,
        positionsBehind: 0,
        secondsBehind: 0,
      });
      expect(progress!.checkpoint).toEqual(await store.events.readHeadPosition());
    });

    it('keys documents by a value in the event for multi-stream projections', async () => {
      const store = await open();
      const perCustomer = defineProjection<{ orders: number }>({
        name: 'orders-per-customer',
        identity: (e) => (e.data as { customer?: string }).customer,
        initialState: () => ({ orders: 0 }),
        handlers: { Placed: (doc) => ({ orders: doc.orders + 1 }) },
      });
      await store.events.appendToStream('order-1', [event('Placed', { customer: 'ann' })]);
      await store.events.appendToStream('order-2', [event('Placed', { customer: 'bob' })]);
      await store.events.appendToStream('order-3', [
        event('Placed', { customer: 'ann' }),
        event('Placed', {}),
      ]);
      await runDaemons(store, [perCustomer], 1, () =>
        waitForProjections(store, [perCustomer], { timeoutMs: 20_000 }),
      );
      const docs = await store.documents.list(perCustomer.collection);
      expect(docs.map((d) => [d.id, d.data])).toEqual([
        ['ann', { orders: 2 }],
        ['bob', { orders: 1 }],
      ]);
      expect(await project(store, perCustomer, 'ann')).toEqual({ orders: 2 });
      expect(await project(store, counter(), 'order-1')).toBeUndefined();
    });

    it('splits a projection into partitions shared by several nodes, each event applied once', async () => {
      const store = await open();
      const projection = counter({ partitions: 4 });
      const ids = Array.from({ length: 24 }, (_, i) => `s-${i}`);
      await runDaemons(store, [projection], 2, async (daemons) => {
        for (const [i, id] of ids.entries()) await store.events.appendToStream(id, ticks((i % 5) + 1));
        await waitForProjections(store, [projection], { timeoutMs: 20_000 });
        const held = daemons.map((d) => d.status().length);
        expect(held.reduce((a, b) => a + b)).toBe(4);
        // Two nodes spread four partitions evenly once both have heartbeaten.
        for (let i = 0; i < 100 && held.some((h) => h !== 2); i++) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          held.splice(0, 2, ...daemons.map((d) => d.status().length));
        }
        expect(held).toEqual([2, 2]);
      });
      expect(await counts(store, projection, ids)).toEqual(
        Object.fromEntries(ids.map((id, i) => [id, (i % 5) + 1])),
      );
      const progress = await projectionProgress(store, [projection]);
      expect(progress.map((p) => p.partition)).toEqual([0, 1, 2, 3]);
    });

    it('dead-letters an event that keeps failing, goes on, and replays it once after a fix', async () => {
      const store = await open();
      let broken = true;
      const projection = counter({ failOn: () => broken });
      await store.events.appendToStream('s-1', [...ticks(2), ...ticks(1, { bad: true }), ...ticks(2)]);
      await store.events.appendToStream('s-2', ticks(3));
      await runDaemons(store, [projection], 1, () =>
        waitForProjections(store, [projection], { timeoutMs: 20_000 }),
      );
      expect(await counts(store, projection, ['s-1', 's-2'])).toEqual({ 's-1': 4, 's-2': 3 });
      const [letter, ...more] = await store.deadLetters.list({ source: 'counters' });
      expect(more).toEqual([]);
      expect(letter).toMatchObject({
        messageType: 'Ticked',
        attempts: 2,
        error: { name: 'Error', message: 'cannot count a bad tick' },
      });
      expect(isProjectionFailedError(await rejection(replayDeadLetter(store, projection, letter!.id)))).toBe(
        true,
      );
      broken = false;
      await replayDeadLetter(store, projection, letter!.id);
      expect(isStateError(await rejection(replayDeadLetter(store, projection, letter!.id)))).toBe(true);
      expect(await counts(store, projection, ['s-1'])).toEqual({ 's-1': 5 });
      expect(await store.deadLetters.list()).toEqual([]);
    });

    it('reads again, never overwrites, a document changed outside the daemon while it runs', async () => {
      const store = await open();
      let broken = true;
      const projection = defineProjection<Counter & { readonly note?: string }>({
        name: 'noted-counters',
        initialState: () => ({ count: 0, last: 0 }),
        errors: { maxAttempts: 1, backoffMs: 1, onFailure: 'dead-letter' },
        handlers: {
          Ticked: (doc, e) => {
            if ((e.data as { bad?: boolean }).bad && broken) throw new Error('cannot count a bad tick');
            return { ...doc, count: doc.count + 1, last: e.streamVersion };
          },
        },
      });
      await store.events.appendToStream('s-1', [...ticks(2), ...ticks(1, { bad: true })]);
      const document = async () => (await readModel(store, projection).get('s-1'))?.data;
      await runDaemons(store, [projection], 1, async () => {
        await waitForProjections(store, [projection], { timeoutMs: 20_000 });
        expect(await document()).toEqual({ count: 2, last: 2 });
        // The daemon holds s-1 as it wrote it; an operator and a dead-letter replay change it.
        await store.documents.patch(await readModel(store, projection).collection(), 's-1', { note: 'ops' });
        broken = false;
        const [letter] = await store.deadLetters.list({ source: 'noted-counters' });
        await replayDeadLetter(store, projection, letter!.id);
        await store.events.appendToStream('s-1', ticks(2));
        await waitForProjections(store, [projection], { timeoutMs: 20_000 });
      });
      expect(await document()).toEqual({ count: 5, last: 5, note: 'ops' });
    });

    it('stops at a failing event under the stop policy, and resumes from there after a fix', async () => {
      const store = await open();
      let broken = true;
      const projection = counter({ failOn: () => broken, onFailure: 'stop' });
      await store.events.appendToStream('s-1', [...ticks(2), ...ticks(1, { bad: true }), ...ticks(2)]);
      await runDaemons(store, [projection], 1, async ([daemon]) => {
        for (let i = 0; i < 200 && daemon!.status()[0]?.state !== 'stopped'; i++)
          await new Promise((resolve) => setTimeout(resolve, 20));
        expect(daemon!.status()[0]).toMatchObject({ state: 'stopped', lastError: 'cannot count a bad tick' });
        expect(await counts(store, projection, ['s-1'])).toEqual({ 's-1': 2 });
        broken = false;
        daemon!.resume('counters');
        await waitForProjections(store, [projection], { timeoutMs: 20_000 });
      });
      expect(await counts(store, projection, ['s-1'])).toEqual({ 's-1': 5 });
      expect(await store.deadLetters.list()).toEqual([]);
    });

    it('refuses to run a projection whose partition count changed under the same version', async () => {
      const store = await open();
      await store.events.appendToStream('s-1', ticks(1));
      await runDaemons(store, [counter()], 1, () =>
        waitForProjections(store, [counter()], { timeoutMs: 20_000 }),
      );
      const daemon = new ProjectionDaemon({ store, projections: [counter({ partitions: 2 })] });
      expect(isStateError(await rejection(daemon.start()))).toBe(true);
    });
  });
}
