import { describe, expect, it } from 'vitest';
import { memoryStore } from '../memory/memory-store.js';
import type { RecordedEvent } from '../event-store/types.js';
import { applyEvents } from './apply-events.js';
import { defineProjection } from './define-projection.js';
import { DocumentCache } from './document-cache.js';

async function recorded(): Promise<RecordedEvent[]> {
  const store = memoryStore();
  await store.events.appendToStream('s-1', [
    { type: 'Split', data: { ids: ['a', 'b'] } },
    { type: 'Split', data: { ids: ['b'] } },
  ]);
  const events: RecordedEvent[] = [];
  for await (const event of store.events.readAll()) events.push(event);
  return events;
}

describe('applyEvents', () => {
  it('awaits handlers that return promises, also part way through an event that fans out', async () => {
    const store = memoryStore();
    const projection = defineProjection<{ n: number }>({
      name: 'fan',
      identity: (e) => (e.data as { ids: string[] }).ids,
      initialState: () => ({ n: 0 }),
      handlers: {
        // Synchronous for 'a', asynchronous for 'b': both paths in one event.
        Split: (doc, _e, ctx) => (ctx.id === 'a' ? { n: doc.n + 1 } : Promise.resolve({ n: doc.n + 10 })),
      },
    });
    const events = await recorded();
    const result = await store.transaction((tx) => applyEvents(projection, events, tx, { mode: 'daemon' }));
    expect(result).toMatchObject({ consumed: 2, applied: 2, documentsWritten: 2, failed: [] });
    const docs = await store.documents.getMany('fan', ['a', 'b']);
    expect(docs.map((d) => [d.id, d.data])).toEqual([
      ['a', { n: 1 }],
      ['b', { n: 20 }],
    ]);
  });

  it('retries a handler that fails, synchronously or not, and counts every attempt', async () => {
    const store = memoryStore();
    let calls = 0;
    const flaky = defineProjection<{ n: number }>({
      name: 'flaky',
      errors: { maxAttempts: 3, backoffMs: 1 },
      initialState: () => ({ n: 0 }),
      handlers: {
        Split: async (doc) => {
          calls++;
          if (calls % 3 !== 0) throw new Error(`try ${calls}`);
          return { n: doc.n + 1 };
        },
      },
    });
    const events = await recorded();
    const ok = await store.transaction((tx) =>
      applyEvents(flaky, events.slice(0, 1), tx, { mode: 'daemon' }),
    );
    expect(ok).toMatchObject({ applied: 1, failed: [] });
    expect(calls).toBe(3);
    const broken = defineProjection<{ n: number }>({
      ...flaky,
      name: 'broken',
      handlers: {
        Split: () => {
          throw new Error('never');
        },
      },
    });
    const failed = await store.transaction((tx) =>
      applyEvents(broken, events.slice(0, 1), tx, { mode: 'daemon' }),
    );
    expect(failed.failed).toHaveLength(1);
    expect(failed.failed[0]).toMatchObject({ attempts: 3, error: { message: 'never' } });
  });

  it('hands a batch what the cache kept as a read would give it, and forgets what it did not write', async () => {
    const store = memoryStore();
    const cache = new DocumentCache(10);
    const seen: unknown[] = [];
    let inPlace = false;
    // 'a' is plain data, kept as the object; 'b' holds a Date, kept as JSON and read back a string.
    const projection = defineProjection<{ n: number; at?: unknown }>({
      name: 'kept',
      identity: (e) => (e.data as { ids: string[] }).ids,
      initialState: () => ({ n: 0 }),
      handlers: {
        Split: (doc, _e, ctx) => {
          seen.push(structuredClone(doc));
          if (inPlace) {
            doc.n = 99; // changed in place and not returned: never written, so never cached
            return undefined;
          }
          return ctx.id === 'a' ? { n: doc.n + 1 } : { n: doc.n + 1, at: new Date(0) };
        },
      },
    });
    const [both] = await recorded();
    const batch = () =>
      store.transaction(async (tx) => {
        const result = await applyEvents(projection, both ? [both] : [], tx, { mode: 'daemon', cache });
        cache.remember(result.written, result.unwritten);
      });
    await batch(); // writes a and b
    expect(cache.get('default', 'a')?.kept).toEqual({ object: { n: 1 } });
    expect(cache.get('default', 'b')?.kept).toEqual({ json: '{"n":1,"at":"1970-01-01T00:00:00.000Z"}' });
    await batch(); // a and b again, from the cache
    expect(seen.slice(2)).toEqual([{ n: 1 }, { n: 1, at: '1970-01-01T00:00:00.000Z' }]);
    inPlace = true;
    await batch();
    // a's object went to a handler that kept the change to itself; b's JSON is parsed afresh.
    expect(cache.get('default', 'a')).toBeUndefined();
    expect(cache.get('default', 'b')?.version).toBe(2);
    inPlace = false;
    await batch(); // a read back from the store, unchanged by the in-place edit
    expect(seen.slice(6)).toEqual([{ n: 2 }, { n: 2, at: '1970-01-01T00:00:00.000Z' }]);
    expect((await store.documents.get('kept', 'a'))?.data).toEqual({ n: 3 });
  });
});
