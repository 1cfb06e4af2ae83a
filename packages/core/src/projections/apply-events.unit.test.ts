import { describe, expect, it } from 'vitest';
import { memoryStore } from '../memory/memory-store.js';
import type { RecordedEvent } from '../event-store/types.js';
import { applyEvents } from './apply-events.js';
import { defineProjection } from './define-projection.js';

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
});
