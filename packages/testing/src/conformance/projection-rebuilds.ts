/**
 * Rebuilds on a driver: a new version or a requested rebuild built beside the serving
 * generation, checked and switched; and read models kept in SQL tables, rebuilt the same way.
 */
import { describe, expect, it } from 'vitest';
import {
  defineProjection,
  defineTable,
  readTable,
  isStateError,
  readModel,
  readProjectionRegistry,
  rebuildProjection,
  replayDeadLetter,
  waitForProjections,
  withInlineProjections,
} from '@whizbang/core';
import { rejection, storeHarness, type StoreFactory } from './harness.js';
import { counter, runDaemons, switchedTo, ticks, type Counter } from './projection-support.js';

export function projectionRebuildCases(factory: StoreFactory): void {
  const open = storeHarness(factory);

  describe('projection rebuilds and tables', () => {
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

    it('replays a dead letter into the serving generation, and refuses one a rebuild made stale', async () => {
      const store = await open();
      let broken = true;
      const handlers = {
        Ticked: (doc: Counter, e: { data: unknown; streamVersion: number }) => {
          if ((e.data as { bad?: boolean }).bad && broken) throw new Error('cannot count a bad tick');
          return { count: doc.count + 1, last: e.streamVersion };
        },
      };
      const errors = { maxAttempts: 2, backoffMs: 1, onFailure: 'dead-letter' } as const;
      const v1 = defineProjection<Counter>({
        name: 'counters',
        initialState: () => ({ count: 0, last: 0 }),
        errors,
        handlers,
      });
      const v2 = defineProjection<Counter>({
        name: 'counters',
        version: 2,
        rebuild: { keepPreviousMs: 0 },
        initialState: () => ({ count: 0, last: 0 }),
        errors,
        handlers,
      });
      await store.events.appendToStream('s-1', [...ticks(1), ...ticks(1, { bad: true }), ...ticks(1)]);
      await runDaemons(store, [v1], 1, () => waitForProjections(store, [v1], { timeoutMs: 20_000 }));
      const [stale] = await store.deadLetters.list({ source: 'counters' });
      broken = false; // fixed in version 2, which applies the bad tick itself while it rebuilds
      await runDaemons(store, [v2], 1, async () => {
        for (let i = 0; !(await switchedTo(store, 'counters', 2)); i++) {
          expect(i, 'version 2 is switched in').toBeLessThan(400);
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        broken = true; // broken again: version 2 parks a bad tick of its own
        await store.events.appendToStream('s-1', [...ticks(1, { bad: true }), ...ticks(1)]);
        await waitForProjections(store, [v2], { timeoutMs: 20_000 });
      });
      const fresh = (await store.deadLetters.list({ source: 'counters' })).find((l) => l.id !== stale!.id)!;
      broken = false;
      const refusal = await rejection(replayDeadLetter(store, v2, stale!.id));
      expect(isStateError(refusal)).toBe(true);
      expect((refusal as Error).message).toContain('no longer serves reads');
      await replayDeadLetter(store, v2, fresh.id);
      expect((await readModel(store, v2).collection()).name).toBe('counters@2');
      // Five ticks counted; the replayed one (version 4) came last, after version 5.
      expect((await readModel(store, v2).get('s-1'))?.data).toEqual({ count: 5, last: 4 });
      expect((await store.deadLetters.list({ source: 'counters' })).map((l) => l.id)).toEqual([stale!.id]);
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
