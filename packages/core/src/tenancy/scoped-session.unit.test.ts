import { describe, expect, it } from 'vitest';
import { isCrossTenantAccessError, type CrossTenantAccessError } from '../errors/catalog.js';
import { LOG_START } from '../event-store/types.js';
import { memoryStore } from '../memory/memory-store.js';
import { defineTable } from '../store/table-definition.js';
import type { Store } from '../store/ports.js';
import { scopeSession } from './scoped-session.js';

const Noted = { type: 'Noted', data: { n: 1 } };
const Totals = defineTable<{ id: string; total: number }>('totals', { columns: { total: 'integer' } });

/** The refusal `call` ends in, checked to be a cross-tenant one. */
async function refusal(call: () => unknown): Promise<CrossTenantAccessError> {
  try {
    await call();
  } catch (error) {
    if (isCrossTenantAccessError(error)) return error;
    throw error;
  }
  throw new Error('expected a CrossTenantAccessError');
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

async function stores(): Promise<{ store: Store; acme: Store }> {
  const store = memoryStore();
  await store.tables.migrate(Totals);
  return { store, acme: scopeSession(store, 'acme') };
}

describe('a tenant-scoped store session', () => {
  it('fills in its tenant wherever a call names none, in every port family', async () => {
    const { store, acme } = await stores();
    await acme.events.appendToStream('s-1', [Noted]);
    await acme.events.appendToStreams([{ stream: 's-2', events: [Noted] }]);
    await acme.documents.put('notes', 'n-1', { text: 'hi' });
    await acme.documents.putMany('notes', [{ id: 'n-2', data: { text: 'yo' } }]);
    await acme.tables.upsertMany(Totals, [{ id: 't-1', total: 3 }]);
    await acme.snapshots.save({ stream: 's-1', version: 1, schemaVersion: 1, state: { n: 1 } });
    await acme.outbox.add([{ id: 'o-1', destination: 'local', type: 'Ping', body: '{}' }]);
    const letter = await acme.deadLetters.add({
      source: 'test',
      messageId: 'm-1',
      messageType: 'Ping',
      payload: {},
      error: { name: 'Error', message: 'boom' },
      attempts: 1,
    });

    const inAcme = { tenantId: 'acme' };
    expect((await store.events.readStream('s-1', inAcme)).version).toBe(1);
    expect((await store.events.readStream('s-1')).exists).toBe(false);
    expect((await store.events.readStream('s-2', inAcme)).version).toBe(1);
    expect(await store.documents.count('notes', inAcme)).toBe(2);
    expect(await store.documents.count('notes')).toBe(0);
    expect(await store.tables.select(Totals, inAcme)).toEqual([{ id: 't-1', total: 3 }]);
    expect(await store.tables.select(Totals)).toEqual([]);
    expect(await store.snapshots.load('s-1', inAcme)).toMatchObject({ tenantId: 'acme', version: 1 });
    expect((await store.outbox.list())[0]?.tenantId).toBe('acme');
    expect(letter.tenantId).toBe('acme');

    // Reads through the scoped session see the tenant's data without naming it.
    expect((await acme.documents.get('notes', 'n-1'))?.data).toEqual({ text: 'hi' });
    expect((await acme.documents.find('notes')).documents).toHaveLength(2);
    expect(await acme.tables.getMany(Totals, ['t-1'])).toHaveLength(1);
    expect((await acme.events.getStreamInfo('s-1')).tenantId).toBe('acme');
    expect(await collect(acme.events.readAll())).toHaveLength(2);
    expect(await acme.deadLetters.list()).toHaveLength(1);
  });

  it('reads only its own tenant from the global log', async () => {
    const { store, acme } = await stores();
    await store.events.appendToStream('s-1', [Noted], { tenantId: 'globex' });
    await store.events.appendToStream('s-1', [Noted], { tenantId: 'acme' });
    const seen = await collect(acme.events.readAll({ after: LOG_START }));
    expect(seen.map((e) => e.tenantId)).toEqual(['acme']);
  });

  it('refuses another tenant in every port family, and writes nothing', async () => {
    const { store, acme } = await stores();
    const globex = { tenantId: 'globex' };
    const refusals = [
      await refusal(() => acme.events.appendToStream('s-1', [Noted], globex)),
      await refusal(() => acme.events.appendToStream('s-1', [Noted], { metadata: { tenantId: 'globex' } })),
      await refusal(() => acme.events.appendToStreams([{ stream: 's-1', events: [Noted] }], globex)),
      await refusal(() => acme.events.readStream('s-1', globex)),
      await refusal(() => acme.events.readAll({ filter: globex })),
      await refusal(() => acme.events.subscribe({ filter: globex })),
      await refusal(() => acme.events.getStreamInfo('s-1', globex)),
      await refusal(() => acme.events.setStreamMetadata('s-1', {}, globex)),
      await refusal(() => acme.events.deleteStream('s-1', globex)),
      await refusal(() => acme.events.archiveStream('s-1', globex)),
      await refusal(() => acme.documents.get('notes', 'n-1', globex)),
      await refusal(() => acme.documents.put('notes', 'n-1', {}, globex)),
      await refusal(() => acme.documents.patch('notes', 'n-1', {}, globex)),
      await refusal(() => acme.documents.delete('notes', 'n-1', globex)),
      await refusal(() => acme.documents.list('notes', globex)),
      await refusal(() => acme.documents.find('notes', globex)),
      await refusal(() => acme.documents.count('notes', globex)),
      await refusal(() => acme.documents.getMany('notes', ['n-1'], globex)),
      await refusal(() => acme.documents.putMany('notes', [{ id: 'n-1', data: {} }], globex)),
      await refusal(() => acme.documents.deleteMany('notes', ['n-1'], globex)),
      await refusal(() => acme.tables.getMany(Totals, ['t-1'], globex)),
      await refusal(() => acme.tables.upsertMany(Totals, [{ id: 't-1', total: 1 }], globex)),
      await refusal(() => acme.tables.deleteMany(Totals, ['t-1'], globex)),
      await refusal(() => acme.tables.select(Totals, globex)),
      await refusal(() => acme.snapshots.load('s-1', globex)),
      await refusal(() =>
        acme.snapshots.save({ stream: 's-1', version: 1, schemaVersion: 1, state: {}, ...globex }),
      ),
      await refusal(() => acme.snapshots.delete('s-1', globex)),
      await refusal(() =>
        acme.outbox.add([{ id: 'o-1', destination: 'local', type: 'Ping', body: '{}', ...globex }]),
      ),
      await refusal(() =>
        acme.deadLetters.add({
          source: 'test',
          messageId: 'm-1',
          messageType: 'Ping',
          payload: {},
          error: { name: 'Error', message: 'boom' },
          attempts: 1,
          ...globex,
        }),
      ),
      await refusal(() => acme.deadLetters.list(globex)),
    ];
    for (const error of refusals)
      expect(error).toMatchObject({ tenantId: 'acme', requestedTenantId: 'globex' });
    expect(refusals[0]?.operation).toBe('events.appendToStream');
    expect(refusals[10]?.operation).toBe('documents.get');

    expect(await store.events.readHeadPosition()).toEqual(LOG_START);
    expect(await store.documents.count('notes', globex)).toBe(0);
    expect(await store.tables.select(Totals, globex)).toEqual([]);
    expect(await store.outbox.list()).toEqual([]);
    expect(await store.deadLetters.list()).toEqual([]);
  });

  it('refuses what spans every tenant, naming the operation', async () => {
    const { acme } = await stores();
    const lease = { name: 'l', owner: 'me', epoch: 1 };
    const calls: [string, () => unknown][] = [
      ['documents.deleteCollection', () => acme.documents.deleteCollection('notes')],
      ['tables.drop', () => acme.tables.drop(Totals)],
      ['checkpoints.get', () => acme.checkpoints.get('p')],
      ['checkpoints.list', () => acme.checkpoints.list()],
      ['checkpoints.compareAndSet', () => acme.checkpoints.compareAndSet('p', undefined, LOG_START)],
      ['checkpoints.delete', () => acme.checkpoints.delete('p')],
      ['checkpoints.acquireLease', () => acme.checkpoints.acquireLease('l', 'me', { ttlMs: 1_000 })],
      ['checkpoints.renewLease', () => acme.checkpoints.renewLease(lease, { ttlMs: 1_000 })],
      ['checkpoints.releaseLease', () => acme.checkpoints.releaseLease(lease)],
      ['checkpoints.listLeases', () => acme.checkpoints.listLeases()],
      ['outbox.claim', () => acme.outbox.claim('me', { leaseMs: 1_000 })],
      ['outbox.complete', () => acme.outbox.complete('me', ['o-1'])],
      ['outbox.release', () => acme.outbox.release('me', ['o-1'], { retryAt: new Date(), error: 'x' })],
      ['outbox.cancel', () => acme.outbox.cancel('o-1')],
      ['outbox.list', () => acme.outbox.list()],
      ['outbox.nextDue', () => acme.outbox.nextDue()],
      ['outbox.backlog', () => acme.outbox.backlog()],
      ['inbox.prune', () => acme.inbox.prune({ before: new Date() })],
      ['store.migrate', () => acme.migrate()],
      ['store.close', () => acme.close()],
    ];
    for (const [operation, call] of calls)
      expect(await refusal(call)).toMatchObject({
        operation,
        tenantId: 'acme',
        requestedTenantId: undefined,
      });
  });

  it("hides another tenant's dead letters by id", async () => {
    const { store, acme } = await stores();
    const theirs = await store.deadLetters.add({
      source: 'test',
      tenantId: 'globex',
      messageId: 'm-1',
      messageType: 'Ping',
      payload: {},
      error: { name: 'Error', message: 'boom' },
      attempts: 1,
    });
    expect(await acme.deadLetters.get(theirs.id)).toBeUndefined();
    expect(await acme.deadLetters.delete(theirs.id)).toBe(false);
    expect(await store.deadLetters.get(theirs.id)).toBeDefined();
    const ours = await acme.deadLetters.add({ ...theirs, tenantId: 'acme' });
    expect(await acme.deadLetters.delete(ours.id)).toBe(true);
  });

  it('keeps inbox records working for idempotency', async () => {
    const { acme } = await stores();
    expect(await acme.inbox.record('group', 'm-1')).toBe(true);
    expect(await acme.inbox.record('group', 'm-1')).toBe(false);
    expect(await acme.inbox.has('group', 'm-1')).toBe(true);
    expect([...(await acme.inbox.recordMany('group', ['m-1', 'm-2']))]).toEqual(['m-2']);
  });

  it('hands out scoped sessions from its transactions, which commit or roll back as one', async () => {
    const { store, acme } = await stores();
    await acme.transaction(async (tx) => {
      await tx.documents.put('notes', 'n-1', { text: 'hi' });
      await tx.events.appendToStream('s-1', [Noted]);
      await refusal(() => tx.documents.get('notes', 'n-1', { tenantId: 'globex' }));
    });
    expect(await store.documents.get('notes', 'n-1', { tenantId: 'acme' })).toBeDefined();
    await expect(
      acme.transaction(async (tx) => {
        await tx.documents.put('notes', 'n-2', { text: 'lost' });
        await tx.documents.deleteCollection('notes');
      }),
    ).rejects.toSatisfy(isCrossTenantAccessError);
    expect(await store.documents.get('notes', 'n-2', { tenantId: 'acme' })).toBeUndefined();
    expect(acme.driver).toBe('memory');
  });

  it('is the same object when scoped again to its tenant, and still refuses when scoped to another', async () => {
    const { acme } = await stores();
    expect(scopeSession(acme, 'acme')).toBe(acme);
    const nested = scopeSession(acme, 'globex');
    expect(await refusal(() => nested.documents.get('notes', 'n-1'))).toMatchObject({
      tenantId: 'acme',
      requestedTenantId: 'globex',
    });
  });
});
