/**
 * The outbox and the inbox: messages committed with the work that produced them, claimed by
 * one relay at a time, released or completed; handled message ids recorded once per group.
 */
import { describe, expect, it } from 'vitest';
import { isValidationError, type NewOutboxMessage } from '@whizbang/core';
import { rejection, storeHarness, type StoreFactory } from './harness.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const outgoing = (n: number, overrides: Partial<NewOutboxMessage> = {}): NewOutboxMessage => ({
  id: `msg-${String(n).padStart(3, '0')}`,
  destination: 'billing.commands',
  type: 'ChargeCard',
  body: JSON.stringify({ n, note: 'ünïcødé' }),
  headers: { 'correlation-id': `c-${n}` },
  ...overrides,
});

export function messagingCases(factory: StoreFactory): void {
  const open = storeHarness(factory);

  describe('outbox', () => {
    it('keeps added messages until claimed, with everything they were written with', async () => {
      const store = await open();
      await store.outbox.add([outgoing(1, { key: 'order-1', tenantId: 'acme' }), outgoing(2)]);
      const [first, second] = await store.outbox.claim('relay-a', { leaseMs: 60_000 });
      expect(first).toMatchObject({
        id: 'msg-001',
        destination: 'billing.commands',
        type: 'ChargeCard',
        body: JSON.stringify({ n: 1, note: 'ünïcødé' }),
        headers: { 'correlation-id': 'c-1' },
        key: 'order-1',
        tenantId: 'acme',
        attempts: 0,
      });
      expect(first!.deliverAt).toBeInstanceOf(Date);
      expect(first!.createdAt).toBeInstanceOf(Date);
      expect(first!.lastError).toBeUndefined();
      expect(second).toMatchObject({
        id: 'msg-002',
        tenantId: 'default',
        headers: { 'correlation-id': 'c-2' },
      });
      expect(second!.key).toBeUndefined();
    });

    it('commits messages with the transaction that wrote them, or not at all', async () => {
      const store = await open();
      await store.transaction(async (tx) => {
        await tx.events.appendToStream('order-1', [{ type: 'OrderPlaced', data: {} }]);
        await tx.outbox.add([outgoing(1)]);
      });
      await rejection(
        store.transaction(async (tx) => {
          await tx.outbox.add([outgoing(2)]);
          throw new Error('the handler failed');
        }),
      );
      expect((await store.outbox.list()).map((m) => m.id)).toEqual(['msg-001']);
    });

    it('ignores a message whose id is already waiting', async () => {
      const store = await open();
      await store.outbox.add([outgoing(1)]);
      await store.outbox.add([outgoing(1, { body: 'changed' })]);
      const waiting = await store.outbox.list();
      expect(waiting).toHaveLength(1);
      expect(waiting[0]!.body).toBe(outgoing(1).body);
    });

    it('gives each message to one claimant at a time, oldest due first, up to the limit', async () => {
      const store = await open();
      await store.outbox.add([outgoing(1), outgoing(2), outgoing(3)]);
      const a = await store.outbox.claim('relay-a', { leaseMs: 60_000, limit: 2 });
      const b = await store.outbox.claim('relay-b', { leaseMs: 60_000 });
      expect(a.map((m) => m.id)).toEqual(['msg-001', 'msg-002']);
      expect(b.map((m) => m.id)).toEqual(['msg-003']);
      expect(await store.outbox.claim('relay-c', { leaseMs: 60_000 })).toEqual([]);
    });

    it('shares the messages among claimants racing for them, each message once', async () => {
      const store = await open();
      await store.outbox.add(Array.from({ length: 60 }, (_, i) => outgoing(i)));
      const claims = await Promise.all(
        ['a', 'b', 'c', 'd'].map((owner) =>
          store.outbox.claim(`relay-${owner}`, { leaseMs: 60_000, limit: 20 }),
        ),
      );
      const ids = claims.flat().map((m) => m.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toHaveLength(60);
    });

    it('removes completed messages, only those the claimant still holds', async () => {
      const store = await open();
      await store.outbox.add([outgoing(1), outgoing(2)]);
      await store.outbox.claim('relay-a', { leaseMs: 60_000, limit: 1 });
      expect(await store.outbox.complete('relay-b', ['msg-001'])).toBe(0);
      expect(await store.outbox.complete('relay-a', ['msg-001', 'msg-002', 'nope'])).toBe(1);
      expect((await store.outbox.list()).map((m) => m.id)).toEqual(['msg-002']);
    });

    it('releases failed messages for a later attempt, counting it and keeping the error', async () => {
      const store = await open();
      await store.outbox.add([outgoing(1)]);
      await store.outbox.claim('relay-a', { leaseMs: 60_000 });
      const retryAt = new Date(Date.now() + 300);
      expect(
        await store.outbox.release('relay-a', ['msg-001'], { retryAt, error: 'broker unreachable' }),
      ).toBe(1);
      expect(await store.outbox.claim('relay-b', { leaseMs: 60_000 })).toEqual([]); // not due yet
      expect((await store.outbox.nextDue())!.getTime()).toBeGreaterThan(Date.now() - 50);
      await sleep(400);
      const [again] = await store.outbox.claim('relay-b', { leaseMs: 60_000 });
      expect(again).toMatchObject({ id: 'msg-001', attempts: 1, lastError: 'broker unreachable' });
    });

    it('frees the messages of a claimant whose claim ran out', async () => {
      const store = await open();
      await store.outbox.add([outgoing(1)]);
      await store.outbox.claim('relay-dead', { leaseMs: 200 });
      expect(await store.outbox.claim('relay-b', { leaseMs: 60_000 })).toEqual([]);
      await sleep(350);
      expect((await store.outbox.claim('relay-b', { leaseMs: 60_000 })).map((m) => m.id)).toEqual([
        'msg-001',
      ]);
      // The dead claimant's late completion must not remove what another now holds.
      expect(await store.outbox.complete('relay-dead', ['msg-001'])).toBe(0);
      expect(await store.outbox.complete('relay-b', ['msg-001'])).toBe(1);
    });

    it('holds scheduled messages until they fall due, and cancels them by id', async () => {
      const store = await open();
      // Far enough ahead that adding and claiming on a loaded machine still finish before it.
      const soon = new Date(Date.now() + 1_500);
      await store.outbox.add([
        outgoing(1, { deliverAt: soon }),
        outgoing(2, { deliverAt: new Date(Date.now() + 3_600_000) }),
      ]);
      expect(await store.outbox.claim('relay-a', { leaseMs: 60_000 })).toEqual([]);
      expect(Math.abs((await store.outbox.nextDue())!.getTime() - soon.getTime())).toBeLessThan(5);
      expect(await store.outbox.cancel('msg-002')).toBe(true);
      expect(await store.outbox.cancel('msg-002')).toBe(false);
      await sleep(Math.max(0, soon.getTime() - Date.now()) + 100);
      expect((await store.outbox.claim('relay-a', { leaseMs: 60_000 })).map((m) => m.id)).toEqual([
        'msg-001',
      ]);
      expect(await store.outbox.nextDue()).not.toBeUndefined(); // msg-001 is claimed, due again if the claim runs out
      await store.outbox.complete('relay-a', ['msg-001']);
      expect(await store.outbox.nextDue()).toBeUndefined();
    });

    it('counts the backlog: due messages, claimed or not, apart from scheduled ones, and the oldest due', async () => {
      const store = await open();
      expect(await store.outbox.backlog()).toEqual({ due: 0, scheduled: 0, oldestDueCreatedAt: undefined });
      const later = () => new Date(Date.now() + 3_600_000);
      // Written first but not due: counted apart, and not the oldest due.
      await store.outbox.add([outgoing(1, { deliverAt: later() })]);
      for (const n of [2, 3, 4]) {
        await sleep(5); // each written at a time of its own
        await store.outbox.add([outgoing(n)]);
      }
      const createdAt = new Map((await store.outbox.list()).map((m) => [m.id, m.createdAt]));
      const backlog = (due: number, scheduled: number, oldest: string) => ({
        due,
        scheduled,
        oldestDueCreatedAt: createdAt.get(oldest),
      });
      expect(await store.outbox.backlog()).toEqual(backlog(3, 1, 'msg-002'));
      // Claimed is not delivered.
      const claimed = await store.outbox.claim('relay-a', { leaseMs: 60_000, limit: 2 });
      expect(claimed.map((m) => m.id)).toEqual(['msg-002', 'msg-003']);
      expect(await store.outbox.backlog()).toEqual(backlog(3, 1, 'msg-002'));
      expect(await store.outbox.complete('relay-a', ['msg-002'])).toBe(1);
      expect(await store.outbox.backlog()).toEqual(backlog(2, 1, 'msg-003'));
      // Released for a later attempt: scheduled until it falls due.
      const retry = { retryAt: later(), error: 'broker unreachable' };
      expect(await store.outbox.release('relay-a', ['msg-003'], retry)).toBe(1);
      expect(await store.outbox.backlog()).toEqual(backlog(1, 2, 'msg-004'));
    });

    it('lists waiting messages by id with keyset paging', async () => {
      const store = await open();
      await store.outbox.add([outgoing(3), outgoing(1), outgoing(2)]);
      expect((await store.outbox.list({ limit: 2 })).map((m) => m.id)).toEqual(['msg-001', 'msg-002']);
      expect((await store.outbox.list({ after: 'msg-002' })).map((m) => m.id)).toEqual(['msg-003']);
    });

    it('rejects malformed messages and options, adding nothing', async () => {
      const store = await open();
      const errors = [
        await rejection(store.outbox.add([outgoing(1), outgoing(2, { destination: 'has space' })])),
        await rejection(store.outbox.add([outgoing(1), outgoing(1)])),
        await rejection(store.outbox.add([outgoing(1, { id: '' })])),
        await rejection(store.outbox.add([outgoing(1, { body: { n: 1 } as unknown as string })])),
        await rejection(store.outbox.add([outgoing(1, { headers: { n: 1 as unknown as string } })])),
        await rejection(store.outbox.add([outgoing(1, { deliverAt: new Date('nope') })])),
        await rejection(store.outbox.claim('', { leaseMs: 1000 })),
        await rejection(store.outbox.claim('relay', { leaseMs: 0 })),
        await rejection(
          store.outbox.release('relay', ['msg-001'], { retryAt: new Date(Number.NaN), error: 'x' }),
        ),
        await rejection(store.outbox.complete('relay', [''])),
      ];
      for (const error of errors) expect(isValidationError(error) || String(error)).toBe(true);
      expect(await store.outbox.list()).toEqual([]);
    });
  });

  describe('inbox', () => {
    it('records a message once per group', async () => {
      const store = await open();
      expect(await store.inbox.record('billing', 'msg-1')).toBe(true);
      expect(await store.inbox.record('billing', 'msg-1')).toBe(false);
      expect(await store.inbox.record('shipping', 'msg-1')).toBe(true);
      expect(await store.inbox.has('billing', 'msg-1')).toBe(true);
      expect(await store.inbox.has('billing', 'msg-2')).toBe(false);
    });

    it('records many at once, returning only those not recorded before, each once', async () => {
      const store = await open();
      expect(await store.inbox.record('billing', 'msg-2')).toBe(true);
      const recorded = await store.inbox.recordMany('billing', ['msg-1', 'msg-2', 'msg-3', 'msg-1']);
      expect([...recorded].toSorted()).toEqual(['msg-1', 'msg-3']);
      expect([...(await store.inbox.recordMany('billing', ['msg-3', 'msg-4']))]).toEqual(['msg-4']);
      expect([...(await store.inbox.recordMany('shipping', ['msg-1']))]).toEqual(['msg-1']);
      expect((await store.inbox.recordMany('billing', [])).size).toBe(0);
      expect(await store.inbox.has('billing', 'msg-4')).toBe(true);
      await rejection(store.inbox.recordMany('billing', ['ok', '']));
      expect(await store.inbox.has('billing', 'ok')).toBe(false); // bad input changes nothing
      // Racing a single record, exactly one of them gets the message.
      const [one, many] = await Promise.all([
        store.transaction((tx) => tx.inbox.record('billing', 'msg-9')),
        store.transaction((tx) => tx.inbox.recordMany('billing', ['msg-8', 'msg-9'])),
      ]);
      expect(Number(one) + Number(many.has('msg-9'))).toBe(1);
    });

    it('records with the transaction of the effects, or not at all', async () => {
      const store = await open();
      await rejection(
        store.transaction(async (tx) => {
          expect(await tx.inbox.record('billing', 'msg-1')).toBe(true);
          await tx.documents.put('charges', 'c-1', { amount: 10 });
          throw new Error('the handler failed');
        }),
      );
      expect(await store.inbox.has('billing', 'msg-1')).toBe(false);
      expect(await store.documents.get('charges', 'c-1')).toBeUndefined();
      await store.transaction(async (tx) => {
        expect(await tx.inbox.record('billing', 'msg-1')).toBe(true);
        await tx.documents.put('charges', 'c-1', { amount: 10 });
      });
      expect(await store.inbox.has('billing', 'msg-1')).toBe(true);
    });

    it('lets exactly one of two concurrent transactions record a message', async () => {
      const store = await open();
      const attempt = () =>
        store.transaction(async (tx) => {
          const first = await tx.inbox.record('billing', 'msg-1');
          if (first) await tx.documents.put('charges', 'c-1', { by: Math.random() });
          return first;
        });
      const results = await Promise.all([attempt(), attempt(), attempt()]);
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('forgets records older than a time', async () => {
      const store = await open();
      await store.inbox.record('billing', 'old');
      await sleep(30);
      const cut = new Date();
      await sleep(30);
      await store.inbox.record('billing', 'new');
      expect(await store.inbox.prune({ before: cut })).toBe(1);
      expect(await store.inbox.has('billing', 'old')).toBe(false);
      expect(await store.inbox.has('billing', 'new')).toBe(true);
    });

    it('claims what a group has not handled, each once, in the order given', async () => {
      const store = await open();
      await store.inbox.recordMany('billing', ['msg-2', 'msg-4']);
      expect(await store.inbox.claim('billing', ['msg-3', 'msg-2', 'msg-1', 'msg-3', 'msg-4'])).toEqual([
        'msg-3',
        'msg-1',
      ]);
      expect(await store.inbox.claim('shipping', ['msg-2'])).toEqual(['msg-2']);
      expect(await store.inbox.claim('billing', [])).toEqual([]);
      expect(await store.transaction((tx) => tx.inbox.claim('billing', ['msg-1', 'msg-2']))).toEqual([
        'msg-1',
      ]);
      expect(await store.inbox.has('billing', 'msg-1')).toBe(false); // a claim records nothing
      expect(isValidationError(await rejection(store.inbox.claim('billing', ['ok', ''])))).toBe(true);
    });

    it('makes a second claimer of a message wait for the first, and then find it handled', async () => {
      const store = await open();
      let claimed!: () => void;
      const firstClaimed = new Promise<void>((resolve) => (claimed = resolve));
      let finish!: () => void;
      const finishing = new Promise<void>((resolve) => (finish = resolve));
      const first = store.transaction(async (tx) => {
        expect(await tx.inbox.claim('billing', ['msg-1'])).toEqual(['msg-1']);
        claimed();
        await finishing;
        await tx.documents.put('charges', 'c-1', { by: 'first' });
        await tx.inbox.recordMany('billing', ['msg-1']);
      });
      await firstClaimed;
      const second = store.transaction((tx) => tx.inbox.claim('billing', ['msg-2', 'msg-1']));
      await sleep(100); // the second claim is waiting (or, with one transaction at a time, not begun)
      finish();
      await first;
      expect(await second).toEqual(['msg-2']);
    });

    it('rejects empty groups and ids', async () => {
      const store = await open();
      expect(isValidationError(await rejection(store.inbox.record('', 'm')))).toBe(true);
      expect(isValidationError(await rejection(store.inbox.has('g', '')))).toBe(true);
      expect(isValidationError(await rejection(store.inbox.prune({ before: new Date('x') })))).toBe(true);
    });
  });
}
