/**
 * Projections on a driver: inline ones inside the append's transaction, async ones through the
 * daemon (batches, checkpoints, partitions over several nodes, dead letters and replay, the
 * stop policy), and live ones folded on read.
 */
import { describe, expect, it } from 'vitest';
import {
  defineProjection,
  defineReactor,
  defineTable,
  readTable,
  isProjectionFailedError,
  isStateError,
  project,
  readModel,
  readProjectionRegistry,
  rebuildProjection,
  ProjectionDaemon,
  projectionProgress,
  replayDeadLetter,
  waitForProjections,
  withInlineProjections,
  type Projection,
  type Reactor,
  type Store,
} from '@whizbang/core';
import { event, rejection, storeHarness, type StoreFactory } from './harness.js';

interface Counter {
  readonly count: number;
  readonly last: number;
}

const counter = (
  options: {
    name?: string;
    partitions?: number;
    failOn?: () => boolean;
    onFailure?: 'dead-letter' | 'stop';
  } = {},
) =>
  defineProjection<Counter>({
    name: options.name ?? 'counters',
    partitions: options.partitions ?? 1,
    initialState: () => ({ count: 0, last: 0 }),
    errors: { maxAttempts: 2, backoffMs: 1, onFailure: options.onFailure ?? 'dead-letter' },
    handlers: {
      Ticked: (doc, e) => {
        if ((e.data as { bad?: boolean }).bad && options.failOn?.())
          throw new Error('cannot count a bad tick');
        return { count: doc.count + 1, last: e.streamVersion };
      },
      Reset: () => null,
    },
  });

const ticks = (n: number, data: Record<string, unknown> = {}) =>
  Array.from({ length: n }, () => event('Ticked', data));

async function runDaemons<T>(
  store: Store,
  projections: readonly Projection[],
  nodes: number,
  work: (daemons: ProjectionDaemon[]) => Promise<T>,
  reactors: readonly Reactor[] = [],
): Promise<T> {
  const daemons = Array.from(
    { length: nodes },
    (_, i) =>
      new ProjectionDaemon({
        reactors,
        store,
        projections,
        nodeId: `node-${i}`,
        batchSize: 7,
        pollIntervalMs: 20,
        leaseTtlMs: 2_000,
      }),
  );
  try {
    for (const daemon of daemons) await daemon.start();
    return await work(daemons);
  } finally {
    await Promise.all(daemons.map((d) => d.stop()));
  }
}

/** Whether a projection serves `version` and has no retired generation left. */
async function switchedTo(store: Store, name: string, version: number): Promise<boolean> {
  const entry = await readProjectionRegistry(store, name);
  return entry?.active.version === version && entry.retired.length === 0;
}

async function counts(
  store: Store,
  projection: Projection<Counter>,
  ids: readonly string[],
  tenantId?: string,
) {
  const docs = await store.documents.getMany(projection.collection, ids, tenantId ? { tenantId } : {});
  return Object.fromEntries(docs.map((d) => [d.id, d.data.count]));
}

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

    it('rebuilds a new version beside the serving one and switches once caught up and checked', async () => {
      const store = await open();
      const v1 = counter();
      const v2 = defineProjection<Counter>({
        ...v1,
        version: 2,
        rebuild: { keepPreviousMs: 0 },
        initialState: () => ({ count: 0, last: 0 }),
        handlers: { Ticked: (doc, e) => ({ count: doc.count + 10, last: e.streamVersion }) },
      });
      const ids = Array.from({ length: 12 }, (_, i) => `s-${i}`);
      for (const id of ids) await store.events.appendToStream(id, ticks(3));
      const written = new Map(ids.map((id) => [id, 3]));
      await runDaemons(store, [v1], 1, async () => {
        await waitForProjections(store, [v1], { timeoutMs: 20_000 });
        expect((await readModel(store, v1).get('s-0'))?.data).toEqual({ count: 3, last: 3 });
        // New code arrives while the old keeps running and appends go on.
        await runDaemons(store, [v2], 1, async () => {
          for (
            let round = 0;
            (await readProjectionRegistry(store, 'counters'))?.active.version !== 2;
            round++
          ) {
            expect(round, 'the new version is switched in').toBeLessThan(400);
            const id = ids[round % ids.length]!;
            await store.events.appendToStream(id, ticks(1));
            written.set(id, written.get(id)! + 1);
            await new Promise((resolve) => setTimeout(resolve, 25));
          }
          for (const id of ids) {
            await store.events.appendToStream(id, ticks(1));
            written.set(id, written.get(id)! + 1);
          }
          await waitForProjections(store, [v2], { timeoutMs: 20_000 });
        });
      });
      const entry = await readProjectionRegistry(store, 'counters');
      expect(entry).toMatchObject({ active: { version: 2, generation: 1 } });
      expect(entry?.lastValidation).toMatchObject({ accuracy: 1, mismatches: [] });
      expect(entry!.lastValidation!.sampled).toBeGreaterThan(0);
      // Every event exactly once in the new generation, whatever definition the reader holds.
      const docs = await readModel(store, v1).getMany(ids);
      expect(Object.fromEntries(docs.map((d) => [d.id, d.data.count]))).toEqual(
        Object.fromEntries(ids.map((id) => [id, written.get(id)! * 10])),
      );
      expect((await readModel(store, v1).collection()).name).toBe('counters@2');
    });

    it('rebuilds the same version on request, telling handlers they replay, and deletes the old generation', async () => {
      const store = await open();
      const seen: boolean[] = [];
      const projection = defineProjection<Counter>({
        ...counter(),
        rebuild: { keepPreviousMs: 0, sampleSize: 5 },
        initialState: () => ({ count: 0, last: 0 }),
        handlers: {
          Ticked: (doc, e, ctx) => {
            seen.push(ctx.replaying);
            return { count: doc.count + 1, last: e.streamVersion };
          },
        },
      });
      for (let i = 0; i < 8; i++) await store.events.appendToStream(`s-${i}`, ticks(2));
      await runDaemons(store, [projection], 1, async () => {
        await waitForProjections(store, [projection], { timeoutMs: 20_000 });
        expect(seen.every((replaying) => !replaying)).toBe(true);
        expect(await rebuildProjection(store, projection)).toEqual(
          expect.objectContaining({ version: 1, generation: 2 }),
        );
        const settled = async () => {
          const entry = await readProjectionRegistry(store, 'counters');
          return entry?.active.generation === 2 && entry.retired.length === 0;
        };
        for (let i = 0; !(await settled()); i++) {
          expect(i, 'switched and purged').toBeLessThan(400);
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      });
      expect(seen.filter((replaying) => replaying)).toHaveLength(16);
      expect(await readProjectionRegistry(store, 'counters')).toMatchObject({
        active: { generation: 2 },
        retired: [],
      });
      expect(await store.documents.list('counters')).toEqual([]);
      expect((await readModel(store, projection).list()).map((d) => d.data.count)).toEqual(Array(8).fill(2));
    });

    it('does not switch to a generation whose sample differs from a fresh fold of the log', async () => {
      const store = await open();
      let calls = 0;
      const impure = defineProjection<Counter>({
        ...counter(),
        version: 2,
        initialState: () => ({ count: 0, last: 0 }),
        // Depends on how often it ran, not only on the events: a fresh fold cannot agree.
        handlers: { Ticked: (doc) => ({ count: doc.count + 1, last: ++calls }) },
      });
      for (let i = 0; i < 4; i++) await store.events.appendToStream(`s-${i}`, ticks(2));
      await runDaemons(store, [counter()], 1, () =>
        waitForProjections(store, [counter()], { timeoutMs: 20_000 }),
      );
      await runDaemons(store, [impure], 1, async () => {
        for (let i = 0; !(await readProjectionRegistry(store, 'counters'))?.lastValidation; i++) {
          expect(i, 'validated').toBeLessThan(400);
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      });
      const entry = await readProjectionRegistry(store, 'counters');
      expect(entry).toMatchObject({ active: { version: 1 }, building: { version: 2 } });
      expect(entry!.lastValidation!.accuracy).toBeLessThan(1);
      expect(entry!.lastValidation!.mismatches.length).toBeGreaterThan(0);
    });

    it('runs reactors from the head on, each event once per delivery, dead-lettering failures', async () => {
      const store = await open();
      await store.events.appendToStream('s-0', ticks(2)); // history: a new reactor does not re-enact it
      const seen: string[] = [];
      const keys = new Set<string>();
      const mails = defineReactor({
        name: 'mails',
        errors: { maxAttempts: 2, backoffMs: 1 },
        handlers: {
          Ticked: (e, ctx) => {
            keys.add(ctx.idempotencyKey);
            if ((e.data as { bad?: boolean }).bad) throw new Error(`attempt ${ctx.attempt} failed`);
            seen.push(`${e.stream}:${e.streamVersion}`);
          },
        },
      });
      const waitFor = async (n: number) => {
        for (let i = 0; seen.length < n; i++) {
          expect(i, `${n} reactions`).toBeLessThan(400);
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      };
      await runDaemons(
        store,
        [],
        1,
        async () => {
          await store.events.appendToStream('s-1', [...ticks(1), ...ticks(1, { bad: true }), ...ticks(1)]);
          await store.events.appendToStream('s-0', ticks(1));
          await waitFor(3);
        },
        [mails],
      );
      await store.events.appendToStream('s-1', ticks(1));
      // A restarted node picks up where the checkpoint is.
      await runDaemons(store, [], 1, () => waitFor(4), [mails]);
      expect(seen.toSorted()).toEqual(['s-0:3', 's-1:1', 's-1:3', 's-1:4']);
      expect(keys.size).toBe(5);
      const [letter, ...more] = await store.deadLetters.list({ source: 'mails' });
      expect(more).toEqual([]);
      expect(letter).toMatchObject({
        messageType: 'Ticked',
        attempts: 2,
        error: { message: 'attempt 2 failed' },
      });
      const whole = defineReactor({
        name: 'audit',
        startFrom: 'beginning',
        handlers: {
          Ticked: () => {
            seen.push('audit');
          },
        },
      });
      await runDaemons(store, [], 1, () => waitFor(4 + 7), [whole]);
      expect(seen.filter((s) => s === 'audit')).toHaveLength(7);
    });

    it('keeps a read model in an SQL table, inline or async, and rebuilds it into a new table', async () => {
      const base = await open();
      type Row = { readonly id: string; readonly count: number | null; readonly last: number | null };
      const columns = { count: 'integer', last: 'integer' } as const;
      const tableProjection = (
        name: string,
        table: string,
        lifecycle: 'inline' | 'async',
        step = 1,
        version = 1,
      ) =>
        defineProjection<Row>({
          name,
          version,
          lifecycle,
          table: defineTable<Row>(table, { columns, indexes: [['count']] }),
          rebuild: { keepPreviousMs: 0 },
          initialState: () => ({ id: '', count: 0, last: 0 }),
          handlers: {
            Ticked: (row, e) => ({ ...row, count: (row.count ?? 0) + step, last: e.streamVersion }),
          },
        });
      const inline = tableProjection('tick-rows', 'tick_rows', 'inline');
      await base.tables.migrate(inline.table!);
      const store = withInlineProjections(base, [inline]);
      await store.events.appendToStream('s-1', ticks(3));
      await store.events.appendToStream('s-2', ticks(1), { tenantId: 'acme' });
      expect(await readTable(store, inline).select()).toEqual([{ id: 's-1', count: 3, last: 3 }]);
      expect(await readTable(store, inline).getMany(['s-2'], { tenantId: 'acme' })).toEqual([
        { id: 's-2', count: 1, last: 1 },
      ]);
      expect(isStateError(await rejection(Promise.resolve().then(() => readModel(store, inline))))).toBe(
        true,
      );

      const v1 = tableProjection('tick-totals', 'tick_totals', 'async');
      await runDaemons(store, [v1], 1, () => waitForProjections(store, [v1], { timeoutMs: 20_000 }));
      expect(await readTable(store, v1).select({ where: { count: 3 } })).toEqual([
        { id: 's-1', count: 3, last: 3 },
      ]);
      const v2 = tableProjection('tick-totals', 'tick_totals', 'async', 10, 2);
      await runDaemons(store, [v2], 1, async () => {
        for (let i = 0; !(await switchedTo(store, 'tick-totals', 2)); i++) {
          expect(i, 'switched and retired').toBeLessThan(400);
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      });
      expect((await readTable(store, v1).table()).name).toBe('tick_totals_v2');
      expect(await readTable(store, v1).getMany(['s-1'])).toEqual([{ id: 's-1', count: 30, last: 3 }]);
      expect(isStateError(await rejection(store.tables.select(v1.table!)))).toBe(true);
    });
  });
}
