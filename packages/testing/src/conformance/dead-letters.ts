/** Dead letters: parked failures that keep their message and error until replayed or discarded. */
import { describe, expect, it } from 'vitest';
import { isValidationError, type NewDeadLetter } from '@whizbang/core';
import { rejection, storeHarness, type StoreFactory } from './harness.js';

const letter = (n: number, overrides: Partial<NewDeadLetter> = {}): NewDeadLetter => ({
  source: 'order-summaries',
  messageId: `m-${n}`,
  messageType: 'OrderPlaced',
  position: { commit: BigInt(n), position: BigInt(n) },
  payload: { data: { n }, nested: [1, 'two', null] },
  error: { name: 'TypeError', message: `boom ${n}`, stack: 'TypeError: boom\n    at x', code: 'E_X' },
  attempts: 3,
  ...overrides,
});

export function deadLetterCases(factory: StoreFactory): void {
  const open = storeHarness(factory);

  describe('dead letters', () => {
    it('keeps a failure with its message, error and position, and reads it back', async () => {
      const store = await open();
      const added = await store.deadLetters.add(letter(1, { tenantId: 'acme' }));
      expect(added.id).toEqual(expect.any(String));
      expect(added.createdAt).toBeInstanceOf(Date);
      const read = await store.deadLetters.get(added.id);
      expect(read).toEqual({ ...letter(1), tenantId: 'acme', id: added.id, createdAt: read!.createdAt });
      expect(await store.deadLetters.get('no-such-id')).toBeUndefined();
    });

    it('lists in the order added, by source and tenant, with keyset paging', async () => {
      const store = await open();
      const a = await store.deadLetters.add(letter(1));
      const b = await store.deadLetters.add(letter(2, { source: 'other' }));
      const { position: _, ...unpositioned } = letter(3, { tenantId: 't2' });
      const c = await store.deadLetters.add(unpositioned);
      expect((await store.deadLetters.list()).map((l) => l.id)).toEqual([a.id, b.id, c.id]);
      expect((await store.deadLetters.list({ source: 'order-summaries' })).map((l) => l.id)).toEqual([
        a.id,
        c.id,
      ]);
      expect((await store.deadLetters.list({ tenantId: 't2' })).map((l) => l.id)).toEqual([c.id]);
      expect((await store.deadLetters.list({ after: a.id, limit: 1 })).map((l) => l.id)).toEqual([b.id]);
      expect((await store.deadLetters.get(c.id))?.position).toBeUndefined();
    });

    it('deletes, and commits or rolls back with a transaction', async () => {
      const store = await open();
      const a = await store.deadLetters.add(letter(1));
      await rejection(
        store.transaction(async (tx) => {
          expect(await tx.deadLetters.delete(a.id)).toBe(true);
          await tx.deadLetters.add(letter(2));
          throw new Error('roll back');
        }),
      );
      expect((await store.deadLetters.list()).map((l) => l.id)).toEqual([a.id]);
      await store.transaction(async (tx) => {
        expect(await tx.deadLetters.delete(a.id)).toBe(true);
      });
      expect(await store.deadLetters.delete(a.id)).toBe(false);
      expect(await store.deadLetters.list()).toEqual([]);
    });

    it('refuses bad input and stores nothing', async () => {
      const store = await open();
      for (const bad of [
        letter(1, { source: '' }),
        letter(1, { messageId: '' }),
        letter(1, { attempts: -1 }),
        letter(1, { payload: { n: 1n } }),
        letter(1, { error: undefined as never }),
      ]) {
        expect(isValidationError(await rejection(store.deadLetters.add(bad)))).toBe(true);
      }
      expect(await store.deadLetters.list()).toEqual([]);
    });
  });
}
