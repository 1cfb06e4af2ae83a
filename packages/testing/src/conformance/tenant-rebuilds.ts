/**
 * Rebuilding one tenant's read model on a driver: its documents (or rows) replaced by a fresh
 * fold of its events while the daemon runs and appends go on, the other tenants untouched, and
 * every event applied exactly once.
 */
import { describe, expect, it } from 'vitest';
import {
  defineProjection,
  defineTable,
  isProjectionFailedError,
  isTenantRebuildRefusedError,
  isValidationError,
  readModel,
  readTable,
  rebuildProjection,
  rebuildTenant,
  waitForProjections,
  type Projection,
  type Store,
} from '@whizbang/core';
import { rejection, storeHarness, type StoreFactory } from './harness.js';
import { counter, runDaemons, ticks, type Counter } from './projection-support.js';

type CounterRow = { readonly id: string; readonly count: number | null; readonly last: number | null };

/**
 * Now and then a handler takes a moment, inside the daemon's transaction: appends (and on
 * stores with one writer, the rebuild) queue behind it, so the rebuild meets events the
 * daemon has not applied yet, on every driver.
 */
const slowly = async (e: { readonly streamVersion: number }) => {
  if (e.streamVersion % 4 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
};

/** Counters as documents, and as rows of a table (no versions: the daemon locks differently). */
const slowCounters = (partitions: number) => ({
  documents: defineProjection<Counter>({
    name: 'counters',
    partitions,
    initialState: () => ({ count: 0, last: 0 }),
    handlers: {
      Ticked: async (doc, e) => {
        await slowly(e);
        return { count: doc.count + 1, last: e.streamVersion };
      },
    },
  }),
  rows: defineProjection<CounterRow>({
    name: 'counter-rows',
    partitions,
    table: defineTable<CounterRow>('counter_rows', { columns: { count: 'integer', last: 'integer' } }),
    initialState: () => ({ id: '', count: 0, last: 0 }),
    handlers: {
      Ticked: async (row, e) => {
        await slowly(e);
        return { ...row, count: (row.count ?? 0) + 1, last: e.streamVersion };
      },
    },
  }),
});

/** A fresh aggregation from the log: each stream's events, counted, and its last version. */
async function fromLog(store: Store, tenantId: string, ids: readonly string[]) {
  const out: Record<string, Counter> = {};
  for (const id of ids) {
    const { events } = await store.events.readStream(id, { tenantId });
    const ticked = events.filter((e) => e.type === 'Ticked');
    if (ticked.length > 0) out[id] = { count: ticked.length, last: ticked.at(-1)!.streamVersion };
  }
  return out;
}

async function documentsOf(store: Store, projection: Projection<Counter>, tenantId: string) {
  const docs = await readModel(store, projection).list({ tenantId, limit: 1_000 });
  return Object.fromEntries(docs.map((d) => [d.id, d.data]));
}

async function rowsOf(store: Store, projection: Projection<CounterRow>, tenantId: string) {
  const rows = await readTable(store, projection).select({ tenantId, limit: 1_000 });
  return Object.fromEntries(rows.map((r) => [r.id, { count: r.count, last: r.last }]));
}

export function tenantRebuildCases(factory: StoreFactory): void {
  const open = storeHarness(factory);

  describe('tenant rebuilds', () => {
    it("restores one tenant's documents to a fresh fold of the log, and leaves the other tenant's alone", async () => {
      const store = await open();
      const replaying: boolean[] = [];
      const projection = defineProjection<Counter>({
        ...counter(),
        initialState: () => ({ count: 0, last: 0 }),
        handlers: {
          Ticked: (doc, e, ctx) => {
            replaying.push(ctx.replaying);
            return { count: doc.count + 1, last: e.streamVersion };
          },
        },
      });
      const ids = ['s-1', 's-2', 's-3', 's-4'];
      for (const tenantId of ['acme', 'globex'])
        for (const [i, id] of ids.entries())
          await store.events.appendToStream(id, ticks(i + 2), { tenantId });
      await runDaemons(store, [projection], 1, async () => {
        await waitForProjections(store, [projection], { timeoutMs: 20_000 });
        const collection = await readModel(store, projection).collection();
        const globex = await readModel(store, projection).list({ tenantId: 'globex' });
        // Wrong by hand, the way a bug or a bad restore leaves them, while the daemon holds
        // acme's documents in its cache at the versions it wrote.
        await store.documents.put(collection, 's-1', { count: 99, last: -1 }, { tenantId: 'acme' });
        await store.documents.delete(collection, 's-2', { tenantId: 'acme' });
        await store.documents.put(collection, 'ghost', { count: 7, last: 7 }, { tenantId: 'acme' });
        replaying.length = 0;

        const report = await rebuildTenant(store, projection, 'acme');

        expect(report).toEqual({
          projection: 'counters',
          tenantId: 'acme',
          generation: { version: 1, generation: 1 },
          events: 2 + 3 + 4 + 5,
          written: 2,
          deleted: 1,
          unchanged: 2,
          deadLettersDiscarded: 0,
        });
        expect(replaying.length).toBe(14);
        expect(replaying.every(Boolean)).toBe(true);
        expect(await documentsOf(store, projection, 'acme')).toEqual(await fromLog(store, 'acme', ids));
        // Not rewritten at all: same data, same versions.
        expect(await readModel(store, projection).list({ tenantId: 'globex' })).toEqual(globex);
        // The daemon goes on from the rebuilt documents, not from what it had cached.
        for (const tenantId of ['acme', 'globex'])
          await store.events.appendToStream('s-1', ticks(2), { tenantId });
        await waitForProjections(store, [projection], { timeoutMs: 20_000 });
      });
      for (const tenantId of ['acme', 'globex'])
        expect(await documentsOf(store, projection, tenantId)).toEqual(await fromLog(store, tenantId, ids));
    });

    for (const partitions of [1, 2]) {
      it(`rebuilds a tenant while the daemon runs and appends go on: no event lost or doubled (partitions: ${partitions})`, async () => {
        const store = await open();
        const { documents, rows } = slowCounters(partitions);
        const ids = Array.from({ length: 6 }, (_, i) => `s-${i}`);
        // Each rebuilt once (a later rebuild of the same tenant would repair what an earlier one
        // got wrong); globex never, and kept current by the daemon alone.
        const rebuilt = Array.from({ length: 8 }, (_, i) => `tenant-${i}`);
        const tenants = [...rebuilt, 'globex'];
        let appended = 0;
        const append = async (tenantId: string, id: string, n: number) => {
          await store.events.appendToStream(id, ticks(n), { tenantId });
          appended += n;
        };
        await runDaemons(store, [documents, rows], 1, async () => {
          let writing = true;
          const writer = (async () => {
            for (let round = 0; round < 180; round++) {
              await append(tenants[round % tenants.length]!, ids[(round * 7) % ids.length]!, (round % 3) + 1);
              if (round % 3 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
            }
          })().finally(() => (writing = false));
          let whileWriting = 0;
          for (const [i, tenantId] of rebuilt.entries()) {
            const id = ids[i % ids.length]!;
            // Wrong by hand first, so a rebuild that did nothing would show.
            const collection = await readModel(store, documents).collection();
            await store.documents.put(collection, id, { count: -5, last: -5 }, { tenantId });
            await store.tables.upsertMany(rows.table!, [{ id, count: -5, last: -5 }], { tenantId });
            for (const projection of [documents, rows]) {
              // Appends just before and while it runs: the daemon has them in hand meanwhile.
              await append(tenantId, id, 1);
              const rebuilding = rebuildTenant(store, projection, tenantId);
              await append(tenantId, id, 1);
              await rebuilding;
            }
            if (writing) whileWriting++;
            // The in-memory store answers without a macrotask: let the writer's timers run.
            await new Promise((resolve) => setTimeout(resolve, 3));
          }
          await writer;
          expect(whileWriting).toBeGreaterThan(1);
          await waitForProjections(store, [documents, rows], { timeoutMs: 30_000 });
        });
        expect(appended).toBeGreaterThanOrEqual(300);
        for (const tenantId of tenants) {
          const expected = await fromLog(store, tenantId, ids);
          expect({ tenantId, documents: await documentsOf(store, documents, tenantId) }).toEqual({
            tenantId,
            documents: expected,
          });
          expect({ tenantId, rows: await rowsOf(store, rows, tenantId) }).toEqual({
            tenantId,
            rows: expected,
          });
        }
      });
    }

    it('fails with ProjectionFailedError and changes nothing while a handler fails; once fixed, folds the dead-lettered event in and discards its dead letter', async () => {
      const store = await open();
      let broken = true;
      const projection = counter({ failOn: () => broken });
      await store.events.appendToStream('s-1', [...ticks(2), ...ticks(1, { bad: true }), ...ticks(1)], {
        tenantId: 'acme',
      });
      await store.events.appendToStream('s-1', ticks(1, { bad: true }), { tenantId: 'globex' });
      await runDaemons(store, [projection], 1, () =>
        waitForProjections(store, [projection], { timeoutMs: 20_000 }),
      );
      expect(await documentsOf(store, projection, 'acme')).toEqual({ 's-1': { count: 3, last: 4 } });
      const before = await readModel(store, projection).list({ tenantId: 'acme' });
      expect(await store.deadLetters.list({ source: 'counters' })).toHaveLength(2);

      const failure = await rejection(rebuildTenant(store, projection, 'acme'));
      expect(isProjectionFailedError(failure)).toBe(true);
      expect(failure).toMatchObject({
        projection: 'counters',
        tenantId: 'acme',
        stream: 's-1',
        eventType: 'Ticked',
      });
      expect(await readModel(store, projection).list({ tenantId: 'acme' })).toEqual(before);
      expect(await store.deadLetters.list({ source: 'counters' })).toHaveLength(2);

      broken = false;
      const report = await rebuildTenant(store, projection, 'acme');
      expect(report).toMatchObject({ events: 4, written: 1, deadLettersDiscarded: 1 });
      expect(await documentsOf(store, projection, 'acme')).toEqual({ 's-1': { count: 4, last: 4 } });
      // Only acme's dead letter went: globex's event is still out of its document.
      expect(await store.deadLetters.list({ source: 'counters' })).toMatchObject([{ tenantId: 'globex' }]);
    });

    it('refuses a bad tenant id, a projection that is not async, one being rebuilt and one of other code', async () => {
      const store = await open();
      const projection = counter();
      await store.events.appendToStream('s-1', ticks(2), { tenantId: 'acme' });
      await runDaemons(store, [projection], 1, () =>
        waitForProjections(store, [projection], { timeoutMs: 20_000 }),
      );
      const before = await readModel(store, projection).list({ tenantId: 'acme' });
      for (const tenantId of ['', 'x'.repeat(101), undefined, 42]) {
        const error = await rejection(rebuildTenant(store, projection, tenantId as unknown as string));
        expect(isValidationError(error)).toBe(true);
        expect(error).toMatchObject({ subject: 'rebuildTenant', issues: [{ path: ['tenantId'] }] });
      }
      const refusal = async (p: Projection) => rejection(rebuildTenant(store, p, 'acme'));
      const inline = await refusal(
        defineProjection<Counter>({
          ...counter(),
          lifecycle: 'inline',
          initialState: () => ({ count: 0, last: 0 }),
          handlers: { Ticked: (doc) => doc },
        }),
      );
      expect(isTenantRebuildRefusedError(inline)).toBe(true);
      expect(inline).toMatchObject({ projection: 'counters', tenantId: 'acme', reason: 'not-async' });
      const newer = await refusal(
        defineProjection<Counter>({
          ...counter(),
          version: 2,
          initialState: () => ({ count: 0, last: 0 }),
          handlers: { Ticked: (doc) => doc },
        }),
      );
      expect(newer).toMatchObject({ code: 'WHIZBANG_TENANT_REBUILD_REFUSED', reason: 'not-serving' });
      const repartitioned = await refusal(counter({ partitions: 2 }));
      expect(repartitioned).toMatchObject({ code: 'WHIZBANG_TENANT_REBUILD_REFUSED', reason: 'not-serving' });
      await rebuildProjection(store, projection);
      expect(await refusal(projection)).toMatchObject({
        code: 'WHIZBANG_TENANT_REBUILD_REFUSED',
        reason: 'rebuilding',
      });
      expect(await readModel(store, projection).list({ tenantId: 'acme' })).toEqual(before);
    });
  });
}
