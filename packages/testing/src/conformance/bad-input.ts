// oxlint-disable vitest/expect-expect -- cases assert through refused(), which holds the expects
/** Bad input: a clear `ValidationError` listing the problems, and nothing written. */
import { describe, expect, it } from 'vitest';
import { isValidationError, type NewEvent, type ValidationError } from '@whizbang/core';
import { collect, event, rejection, storeHarness, type StoreFactory } from './harness.js';

export function badInputCases(factory: StoreFactory): void {
  const open = storeHarness(factory);

  // Each case asserts through `refused`, which checks the error and that nothing was written.
  async function refused(
    store: Awaited<ReturnType<typeof open>>,
    attempt: Promise<unknown>,
  ): Promise<ValidationError> {
    const error = await rejection(attempt);
    expect(isValidationError(error), `expected a ValidationError, got ${String(error)}`).toBe(true);
    expect(await collect(store.events.readAll())).toEqual([]);
    return error as ValidationError;
  }

  describe('bad input', () => {
    it('an empty append is a validation error that writes nothing', async () => {
      const store = await open();
      const error = await refused(store, store.events.appendToStream('s', []));
      expect(error.issues).toEqual([{ message: 'must contain at least one event', path: ['events'] }]);
      expect((await store.events.getStreamInfo('s')).exists).toBe(false);
    });

    it.each<[string, unknown]>([
      ['an unknown word', 'latest'],
      ['a negative number', -1],
      ['a fraction', 1.5],
      ['NaN', Number.NaN],
      ['a numeric string', '1'],
    ])('refuses %s as expected version', async (_name, expectedVersion) => {
      const store = await open();
      const error = await refused(
        store,
        store.events.appendToStream('s', [event('E')], { expectedVersion: expectedVersion as never }),
      );
      expect(error.issues[0]!.path).toEqual(['expectedVersion']);
    });

    it.each<[string, unknown]>([
      ['empty', ''],
      ['too long', 'x'.repeat(251)],
      ['with a control character', 'a\nb'],
      ['not a string', 42],
    ])('refuses a stream name that is %s', async (_name, stream) => {
      const store = await open();
      const error = await refused(store, store.events.appendToStream(stream as string, [event('E')]));
      expect(error.issues[0]!.path).toEqual(['stream']);
      await expect(store.events.readStream(stream as string)).rejects.toSatisfy(isValidationError);
    });

    it.each<[string, unknown]>([
      ['a function', { f: () => 1 }],
      ['a bigint', { n: 1n }],
      ['NaN', { n: Number.NaN }],
      ['Infinity', { n: Number.POSITIVE_INFINITY }],
      ['a Map', { m: new Map() }],
      ['undefined in an array', { list: [1, undefined] }],
    ])('refuses data holding %s, which would not read back as written', async (_name, data) => {
      const store = await open();
      const error = await refused(store, store.events.appendToStream('s', [{ type: 'E', data }]));
      expect(error.issues[0]!.path).toEqual(['events', 0, 'data']);
    });

    it('refuses cyclic data', async () => {
      const store = await open();
      const data: Record<string, unknown> = {};
      data['self'] = data;
      await refused(store, store.events.appendToStream('s', [{ type: 'E', data }]));
    });

    it('refuses an oversize payload, naming the limit', async () => {
      const store = await open({ maxEventSize: 1000 });
      const error = await refused(
        store,
        store.events.appendToStream('s', [{ type: 'E', data: { blob: 'x'.repeat(2000) } }]),
      );
      expect(error.message).toContain('over the limit of 1000');
    });

    it('lists every problem of every event at once', async () => {
      const store = await open();
      const error = await refused(
        store,
        store.events.appendToStream('s', [
          { type: '', data: {} },
          { data: {} } as unknown as NewEvent,
          { type: 'E', data: { n: 1n } },
        ]),
      );
      expect(error.issues.map((i) => i.path)).toEqual([
        ['events', 0, 'type'],
        ['events', 1, 'type'],
        ['events', 2, 'data'],
      ]);
    });

    it('refuses a value that is not a list of events', async () => {
      const store = await open();
      await refused(store, store.events.appendToStream('s', 'nope' as never));
      await refused(store, store.events.appendToStream('s', [null] as never));
    });

    it('refuses bad read options', async () => {
      const store = await open();
      for (const options of [{ from: 0 }, { maxCount: 0 }, { to: -1 }, { direction: 'sideways' }]) {
        await expect(store.events.readStream('s', options as never)).rejects.toSatisfy(isValidationError);
      }
      await expect(collect(store.events.readAll({ batchSize: 0 }))).rejects.toSatisfy(isValidationError);
      await expect(collect(store.events.readAll({ after: { position: 1 } as never }))).rejects.toSatisfy(
        isValidationError,
      );
    });

    it('refuses a bad tenant id', async () => {
      const store = await open();
      await refused(store, store.events.appendToStream('s', [event('E')], { tenantId: '' }));
    });
  });
}
