import { describe, expect, it } from 'vitest';
import { isStateError } from '../errors/catalog.js';
import { memoryStore } from './memory-store.js';

// Behaviour every driver shares is pinned by the conformance suite; these cases are the
// in-memory driver's own.
describe('memoryStore', () => {
  it('refuses a write through the store inside one of its transactions, instead of deadlocking', async () => {
    const store = memoryStore();
    const error = await store
      .transaction(async () => store.events.appendToStream('s', [{ type: 'E', data: {} }]))
      .catch((e: unknown) => e);
    expect(isStateError(error)).toBe(true);
    expect((await store.events.getStreamInfo('s')).exists).toBe(false);
  });

  it('throws StateError after close', async () => {
    const store = memoryStore();
    await store.close();
    await expect(store.events.readStream('s')).rejects.toSatisfy(isStateError);
    await expect(store.transaction(async () => 1)).rejects.toSatisfy(isStateError);
  });
});
