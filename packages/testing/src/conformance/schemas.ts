/** Event schemas checked on append, and upcasting older schema versions on read. */
import { describe, expect, it } from 'vitest';
import { defineEvent, defineUpcaster, isValidationError, type, type ValidationError } from '@whizbang/core';
import { amountSchema, collect, rejection, storeHarness, type StoreFactory } from './harness.js';

export function schemaCases(factory: StoreFactory): void {
  const open = storeHarness(factory);
  const Deposited = defineEvent('Deposited', { schema: amountSchema });

  describe('event schemas and upcasting', () => {
    it('validates events with a schema on append and writes nothing when one is invalid', async () => {
      const store = await open({ eventTypes: [Deposited] });
      const error = (await rejection(
        store.events.appendToStream('s', [
          Deposited({ amount: 5 }),
          Deposited({ amount: -1 }),
          { type: 'Other', data: { x: 1 } },
        ]),
      )) as ValidationError;
      expect(isValidationError(error)).toBe(true);
      expect(error.issues).toEqual([
        { message: 'amount must be a positive number', path: [1, 'Deposited', 'amount'] },
      ]);
      expect((await store.events.getStreamInfo('s')).exists).toBe(false);
      await store.events.appendToStream('s', [Deposited({ amount: 5 })]);
      expect((await store.events.readStream('s')).version).toBe(1);
    });

    it('stamps the current schema version, and lifts old versions through every upcaster on read', async () => {
      // The code is at version 3: v1 → v2 added a currency, v2 → v3 renamed price to amount.
      const Priced = defineEvent('Priced', {
        data: type<{ amount: number; currency: string }>(),
        schemaVersion: 3,
      });
      const upcasters = [
        defineUpcaster(Priced, 1, (d: { price: number }) => ({ ...d, currency: 'EUR' })),
        defineUpcaster(Priced, 2, (d: { price: number; currency: string }) => ({
          amount: d.price,
          currency: d.currency,
        })),
      ];
      const store = await open({ eventTypes: [Priced], upcasters });
      // An event recorded long ago at version 1 (as a restore or replay writes it) …
      await store.events.appendToStream('s', [{ type: 'Priced', data: { price: 10 }, schemaVersion: 1 }]);
      // … and one written today, stamped with the current version.
      await store.events.appendToStream('s', [Priced({ amount: 7, currency: 'USD' })]);
      const slice = await store.events.readStream('s');
      expect(slice.events.map((e) => [e.data, e.metadata.schemaVersion])).toEqual([
        [{ amount: 10, currency: 'EUR' }, 3],
        [{ amount: 7, currency: 'USD' }, 3],
      ]);
      expect((await collect(store.events.readAll())).map((e) => e.data)).toEqual(
        slice.events.map((e) => e.data),
      );
    });

    it('starts the chain at the stored version: a v2 event takes only the v2 → v3 step', async () => {
      const Priced = defineEvent('Priced', { schemaVersion: 3 });
      let steps = 0;
      const upcasters = [
        defineUpcaster(Priced, 1, (d: object) => ((steps += 1), { ...d, v1: true })),
        defineUpcaster(Priced, 2, (d: object) => ((steps += 10), { ...d, v2: true })),
      ];
      const store = await open({ eventTypes: [Priced], upcasters });
      await store.events.appendToStream('s', [{ type: 'Priced', data: {}, schemaVersion: 2 }]);
      const [event] = (await store.events.readStream('s')).events;
      expect(event!.data).toEqual({ v2: true });
      expect(steps).toBe(10);
    });
  });
}
