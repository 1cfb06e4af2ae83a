/**
 * What every conformance file shares: how a store is made and closed around each case, and a
 * few small helpers. The factory must return an empty store each time.
 */
import { afterEach } from 'vitest';
import type { NewEvent, RecordedEvent, StandardSchemaV1, Store, StoreOptions } from '@whizbang/core';

/** Makes a fresh, empty store. Drivers pass their options through. */
export type StoreFactory = (options: StoreOptions) => Promise<Store> | Store;

/** Returns a function that opens a store for the current test and closes it after. */
export function storeHarness(factory: StoreFactory): (options?: StoreOptions) => Promise<Store> {
  const open: Store[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close().catch(() => undefined)));
  });
  return async (options = {}) => {
    const store = await factory(options);
    open.push(store);
    return store;
  };
}

export const event = (type: string, data: Record<string, unknown> = {}): NewEvent => ({ type, data });

/** `n` events `E1..En` with `{ n }` as data. */
export const events = (n: number, type = 'Happened'): NewEvent[] =>
  Array.from({ length: n }, (_, i) => ({ type, data: { n: i + 1 } }));

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** The stream versions of recorded events, for compact assertions. */
export const versions = (recorded: readonly RecordedEvent[]): number[] =>
  recorded.map((e) => e.streamVersion);

/** The rejection of a promise that must reject. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the operation to fail, but it succeeded');
}

/** A tiny Standard Schema (no library) that requires a positive number `amount`. */
export const amountSchema: StandardSchemaV1<{ amount: number }> = {
  '~standard': {
    version: 1,
    vendor: 'conformance',
    validate: (value) => {
      const amount = (value as { amount?: unknown } | null)?.amount;
      return typeof amount === 'number' && amount > 0
        ? { value: value as { amount: number } }
        : { issues: [{ message: 'amount must be a positive number', path: ['amount'] }] };
    },
  },
};
