/** Reactors on a driver: side effects from the head on, at least once, dead letters by policy. */
import { describe, expect, it } from 'vitest';
import { defineReactor } from '@whizbang/core';
import { storeHarness, type StoreFactory } from './harness.js';
import { runDaemons, ticks } from './projection-support.js';

export function reactorCases(factory: StoreFactory): void {
  const open = storeHarness(factory);

  describe('reactors', () => {
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
  });
}
