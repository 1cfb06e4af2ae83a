import { describe, expect, it } from 'vitest';
import { isConcurrencyError } from '../errors/catalog.js';
import { defineCommand, defineEvent, type, type MessageOf } from '../messages/define.js';
import { handle } from '../mediator/handlers.js';
import { Mediator } from '../mediator/mediator.js';
import { memoryStore } from '../memory/memory-store.js';
import { AggregateRoot } from './aggregate-root.js';
import { aggregateStream, handleCommand } from './command-handler.js';
import type { Decider } from './decider.js';
import { retryOnConflict } from './retry.js';

const Deposit = defineCommand('Deposit', { data: type<{ amount: number }>() });
const Deposited = defineEvent('Deposited', { data: type<{ amount: number }>() });
type Deposit = MessageOf<typeof Deposit>;
type Deposited = MessageOf<typeof Deposited>;

const account: Decider<Deposit, Deposited, { balance: number; deposits: number }> = {
  initialState: () => ({ balance: 0, deposits: 0 }),
  decide: (command) => (command.data.amount === 0 ? [] : Deposited({ amount: command.data.amount })),
  evolve: (state, event) => ({ balance: state.balance + event.data.amount, deposits: state.deposits + 1 }),
};

describe('handleCommand', () => {
  it('loads, decides, appends with the loaded version, and returns the new state', async () => {
    const store = memoryStore();
    const first = await handleCommand(store, 'acct-1', account, Deposit({ amount: 10 }));
    expect(first).toMatchObject({ state: { balance: 10 }, nextExpectedVersion: 1, createdStream: true });
    const second = await handleCommand(store, 'acct-1', account, Deposit({ amount: 5 }));
    expect(second).toMatchObject({ state: { balance: 15 }, nextExpectedVersion: 2, createdStream: false });
    expect((await store.events.readStream('acct-1')).events.map((e) => e.data)).toEqual([
      { amount: 10 },
      { amount: 5 },
    ]);
  });

  it('writes nothing when the decider decides nothing', async () => {
    const store = memoryStore();
    const result = await handleCommand(store, 'acct-1', account, Deposit({ amount: 0 }));
    expect(result.newEvents).toEqual([]);
    expect((await store.events.getStreamInfo('acct-1')).exists).toBe(false);
  });

  it('retries when a concurrent writer wins, so no deposit is lost', async () => {
    const store = memoryStore();
    await Promise.all(
      Array.from({ length: 20 }, () =>
        handleCommand(store, 'acct-1', account, Deposit({ amount: 1 }), {
          retry: { maxAttempts: 50, baseDelayMs: 1 },
        }),
      ),
    );
    const { state, version } = await aggregateStream(store, 'acct-1', account);
    expect(state.balance).toBe(20);
    expect(version).toBe(20);
  });

  it('gives up with the ConcurrencyError when retrying is off', async () => {
    const store = memoryStore();
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () =>
        handleCommand(store, 'acct-1', account, Deposit({ amount: 1 }), { retry: { maxAttempts: 1 } }),
      ),
    );
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected.every((r) => isConcurrencyError(r.reason))).toBe(true);
  });

  it('stamps tenant, correlation and causation from the handler context', async () => {
    const store = memoryStore();
    const m = new Mediator({
      store,
      handlers: [
        handle(Deposit, async (command, ctx) => void (await handleCommand(ctx, 'acct-1', account, command))),
      ],
    });
    await m.send(Deposit({ amount: 3 }, { id: 'cmd-1' }), { tenantId: 'acme', correlationId: 'corr-1' });
    const [event] = (await store.events.readStream('acct-1', { tenantId: 'acme' })).events;
    expect(event?.metadata).toMatchObject({
      correlationId: 'corr-1',
      causationId: 'cmd-1',
      tenantId: 'acme',
    });
    expect((await store.events.getStreamInfo('acct-1')).exists).toBe(false); // other tenant
  });
});

describe('snapshots', () => {
  const policy = { every: 3, schemaVersion: 1 };

  it('saves one every N events and loads from it', async () => {
    const store = memoryStore();
    for (let i = 0; i < 7; i++)
      await handleCommand(store, 'acct-1', account, Deposit({ amount: 1 }), { snapshot: policy });
    const snapshot = await store.snapshots.load<{ balance: number }>('acct-1');
    expect(snapshot).toMatchObject({ version: 6, schemaVersion: 1, state: { balance: 6 } });
    const loaded = await aggregateStream(store, 'acct-1', account, { snapshot: policy });
    expect(loaded).toMatchObject({ fromSnapshot: true, version: 7, state: { balance: 7, deposits: 7 } });
  });

  it('ignores a snapshot of another schema version and folds the whole stream', async () => {
    const store = memoryStore();
    for (let i = 0; i < 3; i++)
      await handleCommand(store, 'acct-1', account, Deposit({ amount: 2 }), { snapshot: policy });
    await store.snapshots.save({
      stream: 'acct-1',
      version: 3,
      schemaVersion: 1,
      state: { balance: 999, deposits: 0 },
    });
    const loaded = await aggregateStream(store, 'acct-1', account, {
      snapshot: { every: 3, schemaVersion: 2 },
    });
    expect(loaded).toMatchObject({ fromSnapshot: false, state: { balance: 6 } });
  });
});

describe('retryOnConflict', () => {
  it('does not retry errors other than conflicts', async () => {
    let attempts = 0;
    await expect(
      retryOnConflict(async () => {
        attempts++;
        throw new Error('domain rule');
      }),
    ).rejects.toThrow('domain rule');
    expect(attempts).toBe(1);
  });
});

describe('AggregateRoot', () => {
  class Account extends AggregateRoot<Deposited> {
    balance = 0;
    deposit(amount: number) {
      if (amount <= 0) throw new Error('amount must be positive');
      this.raise(Deposited({ amount }));
    }
    protected apply(event: Deposited) {
      this.balance += event.data.amount;
    }
  }

  it('tracks raised events and versions', async () => {
    const store = memoryStore();
    const a = new Account();
    a.deposit(5);
    a.deposit(2);
    expect(a.balance).toBe(7);
    expect(a.version).toBe(2);
    await store.events.appendToStream('acct-1', a.pendingEvents, { expectedVersion: a.loadedVersion });
    a.markCommitted();
    expect(a.pendingEvents).toEqual([]);
    const loaded = new Account().replay(
      (await store.events.readStream('acct-1')).events as unknown as Deposited[],
    );
    expect(loaded).toMatchObject({ balance: 7, loadedVersion: 2 });
  });
});
