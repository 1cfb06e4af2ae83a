import { afterAll, describe, expect, it } from 'vitest';
import {
  commandsOf,
  defineCommand,
  encodeEnvelope,
  handle,
  memoryTransport,
  type,
  whizbang,
  type WhizbangOptions,
} from '@whizbang/core';
import { postgresStore } from './postgres-store.js';
import { connectionString, dropSchemas, freshSchema, postgresAvailable } from './test-support/database.js';

const available = await postgresAvailable();
const Bump = defineCommand('Bump', { data: type<{ n: number }>() });

const ways: readonly { name: string; options: Pick<WhizbangOptions, 'messaging' | 'localDelivery'> }[] = [
  {
    name: 'through a broker',
    options: {
      messaging: {
        transport: memoryTransport(),
        service: 'counter',
        relay: { pollIntervalMs: 20 },
        retry: { initialDelayMs: 5, maxDelayMs: 20 },
      },
    },
  },
  {
    name: 'without one',
    options: {
      localDelivery: { relay: { pollIntervalMs: 20 }, retry: { initialDelayMs: 5, maxDelayMs: 20 } },
    },
  },
];

/*
 * A delivered message runs in one transaction with its inbox record. On PostgreSQL an append
 * from a transaction that took its id before it waited for the stream conflicts with what was
 * appended while it waited (readers see each stream in version order), so the record must not
 * be what gives the transaction its id: written first, every delivery that waits for a busy
 * stream (the last units of a product) failed, and, under steady load, was dead-lettered.
 */
describe.runIf(available).each(ways)('postgres: a message delivered $name', ({ options }) => {
  afterAll(() => dropSchemas('wbd'));

  it('waits for a stream another writer appends to meanwhile, and appends after it at its first attempt', async () => {
    const store = postgresStore({ connectionString, schema: freshSchema('wbd'), maxConnections: 6 });
    let attempts = 0;
    let handlerStarted!: () => void;
    const started = new Promise<void>((resolve) => (handlerStarted = resolve));
    const app = whizbang({
      store,
      ...options,
      handlers: [
        handle(Bump, (command, ctx) =>
          ctx.transaction(async (uow) => {
            attempts++;
            handlerStarted();
            await uow.store.events.lockStreams(['hot']);
            const { version } = await uow.store.events.readStream('hot');
            await uow.store.events.appendToStream('hot', [{ type: 'Bumped', data: command.data }], {
              expectedVersion: version,
            });
          }),
        ),
      ],
    });
    try {
      await store.events.appendToStream('hot', [{ type: 'Bumped', data: { n: 0 } }]);
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      // Another writer holds the stream while the delivery starts, and appends once it has.
      const writer = store.transaction(async (tx) => {
        await tx.events.lockStreams(['hot']);
        await released;
        await tx.events.appendToStream('hot', [{ type: 'Bumped', data: { n: 1 } }], { expectedVersion: 1 });
      });
      await app.start();
      await app.schedule(Bump({ n: 2 }), { delayMs: 0 });
      await started;
      release();
      await writer;
      for (let i = 0; i < 500 && (await store.events.readStream('hot')).version < 3; i++)
        await new Promise((resolve) => setTimeout(resolve, 10));

      const { events } = await store.events.readStream('hot');
      expect(events.map((event) => (event.data as { n: number }).n)).toEqual([0, 1, 2]);
      expect((await store.deadLetters.list()).map((letter) => letter.error.message)).toEqual([]);
      // Its first attempt did it: no conflict, so nothing to retry.
      expect(attempts).toBe(1);
    } finally {
      await app.stop();
      await store.close();
    }
  });
});

describe.runIf(available)('postgres: one message delivered twice at once', () => {
  afterAll(() => dropSchemas('wbd'));

  it('runs it once: the second delivery waits for the first, then finds it handled', async () => {
    const store = postgresStore({ connectionString, schema: freshSchema('wbd'), maxConnections: 6 });
    const transport = memoryTransport();
    let runs = 0;
    const app = whizbang({
      store,
      messaging: { transport, service: 'counter', retry: { initialDelayMs: 5, maxDelayMs: 20 } },
      handlers: [
        handle(Bump, async (command, ctx) => {
          runs++;
          // Long enough for the other delivery to arrive while this one runs: it must wait on
          // the claim rather than run beside it.
          await new Promise((resolve) => setTimeout(resolve, 300));
          await ctx.store.events.appendToStream('once', [{ type: 'Bumped', data: command.data }]);
        }),
      ],
    });
    try {
      await app.start();
      const message = encodeEnvelope('command', app.envelopeFor('command', Bump({ n: 1 })));
      await transport.publish(commandsOf('counter'), [message, message]);
      for (let i = 0; i < 500 && app.consumer?.handled !== 1; i++)
        await new Promise((resolve) => setTimeout(resolve, 10));
      for (let i = 0; i < 500 && app.consumer?.duplicates !== 1; i++)
        await new Promise((resolve) => setTimeout(resolve, 10));

      expect(runs).toBe(1);
      expect((await store.events.readStream('once')).events.map((event) => event.data)).toEqual([{ n: 1 }]);
      expect([app.consumer?.handled, app.consumer?.duplicates]).toEqual([1, 1]);
      expect(await store.deadLetters.list()).toEqual([]);
    } finally {
      await app.stop();
      await store.close();
    }
  });
});
