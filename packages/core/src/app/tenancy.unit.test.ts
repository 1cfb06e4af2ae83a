import { describe, expect, it } from 'vitest';
import {
  isCrossTenantAccessError,
  isTenantRequiredError,
  type CrossTenantAccessError,
} from '../errors/catalog.js';
import { handle } from '../mediator/handlers.js';
import { memoryStore } from '../memory/memory-store.js';
import { defineCommand, defineEvent, defineQuery, type, type MessageOf } from '../messages/define.js';
import { defineProjection } from '../projections/define-projection.js';
import { readModel } from '../projections/read-model.js';
import { defineSaga } from '../sagas/define-saga.js';
import { whizbang } from './whizbang.js';

const Note = defineCommand('Note', { data: type<{ id: string; tenant?: string }>() });
const Peek = defineQuery('Peek', {
  data: type<{ id: string; tenant?: string }>(),
  result: type<unknown>(),
});
const Noted = defineEvent('Noted', { data: type<{ id: string }>() });

const note = handle(Note, async (command, ctx) => {
  const { id, tenant } = command.data;
  await ctx.store.documents.put(
    'notes',
    id,
    { by: ctx.tenantId },
    tenant === undefined ? {} : { tenantId: tenant },
  );
});
const peek = handle(Peek, async (query, ctx) => {
  const { id, tenant } = query.data;
  const found = await ctx.store.documents.get('notes', id, tenant === undefined ? {} : { tenantId: tenant });
  return found?.data;
});

async function crossTenant(promise: Promise<unknown>): Promise<CrossTenantAccessError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (isCrossTenantAccessError(error)) return error;
  throw new Error(`expected a CrossTenantAccessError, got ${String(error)}`);
}

describe('tenancy in handlers', () => {
  it("writes a handler's calls to its message's tenant without naming it", async () => {
    const store = memoryStore();
    const app = whizbang({ store, handlers: [note, peek] });
    await app.send(Note({ id: 'n-1' }), { tenantId: 'acme' });
    expect((await store.documents.get('notes', 'n-1', { tenantId: 'acme' }))?.data).toEqual({ by: 'acme' });
    expect(await store.documents.get('notes', 'n-1')).toBeUndefined();
    expect(await app.query(Peek({ id: 'n-1' }), { tenantId: 'acme' })).toEqual({ by: 'acme' });
    expect(await app.query(Peek({ id: 'n-1' }), { tenantId: 'globex' })).toBeUndefined();
  });

  it('refuses a handler that names another tenant, and writes nothing', async () => {
    const store = memoryStore();
    const app = whizbang({ store, handlers: [note, peek] });
    const error = await crossTenant(app.send(Note({ id: 'n-1', tenant: 'globex' }), { tenantId: 'acme' }));
    expect(error).toMatchObject({
      code: 'WHIZBANG_CROSS_TENANT',
      tenantId: 'acme',
      requestedTenantId: 'globex',
      operation: 'documents.put',
    });
    expect(await store.documents.count('notes', { tenantId: 'globex' })).toBe(0);
    expect(await store.documents.count('notes', { tenantId: 'acme' })).toBe(0);
    await crossTenant(app.query(Peek({ id: 'n-1', tenant: 'globex' }), { tenantId: 'acme' }));
  });

  it('scopes the handlers of messages sent through ctx to the inherited tenant', async () => {
    const store = memoryStore();
    const Relay = defineCommand('Relay', { data: type<{ id: string; tenant?: string }>() });
    const seen: (string | undefined)[] = [];
    const relay = handle(Relay, async (command, ctx) => {
      seen.push(ctx.tenantId);
      await ctx.send(Note(command.data));
    });
    const app = whizbang({ store, handlers: [note, relay] });
    await app.send(Relay({ id: 'n-1' }), { tenantId: 'acme' });
    expect(seen).toEqual(['acme']);
    expect(await store.documents.get('notes', 'n-1', { tenantId: 'acme' })).toBeDefined();
    await crossTenant(app.send(Relay({ id: 'n-2', tenant: 'globex' }), { tenantId: 'acme' }));
  });

  it('lets a system handler name any tenant, and scopes what it sends', async () => {
    const store = memoryStore();
    const Copy = defineCommand('Copy', { data: type<{ id: string; from: string; to: string }>() });
    const copy = handle(
      Copy,
      async (command, ctx) => {
        const { id, from, to } = command.data;
        const found = await ctx.store.documents.get('notes', id, { tenantId: from });
        await ctx.store.documents.put('notes', id, found?.data, { tenantId: to });
        // What it sends still runs as the tenant of its message, unless that handler is system too.
        await ctx.send(Note({ id: 'n-9', tenant: to }));
      },
      { system: true },
    );
    const app = whizbang({ store, handlers: [note, copy] });
    await app.send(Note({ id: 'n-1' }), { tenantId: 'acme' });
    await expect(
      app.send(Copy({ id: 'n-1', from: 'acme', to: 'globex' }), { tenantId: 'acme' }),
    ).rejects.toSatisfy(isCrossTenantAccessError);
    expect((await store.documents.get('notes', 'n-1', { tenantId: 'globex' }))?.data).toEqual({ by: 'acme' });
    expect(await store.documents.get('notes', 'n-9', { tenantId: 'globex' })).toBeUndefined();
  });

  it('leaves a message without a tenant unscoped when the app does not require one', async () => {
    const store = memoryStore();
    const app = whizbang({ store, handlers: [note] });
    await app.send(Note({ id: 'n-1', tenant: 'globex' }));
    await app.send(Note({ id: 'n-2' }));
    expect(await store.documents.get('notes', 'n-1', { tenantId: 'globex' })).toBeDefined();
    expect(await store.documents.get('notes', 'n-2')).toBeDefined();
  });

  it('applies inline projections in the tenant of a scoped append', async () => {
    const store = memoryStore();
    const counts = defineProjection<{ n: number }, MessageOf<typeof Noted>>({
      name: 'noted-counts',
      lifecycle: 'inline',
      identity: (e) => e.data.id,
      initialState: () => ({ n: 0 }),
      handlers: { Noted: (doc) => ({ n: doc.n + 1 }) },
    });
    const record = handle(Note, async (command, ctx) => {
      await ctx.store.events.appendToStream(`note-${command.data.id}`, [Noted({ id: command.data.id })]);
    });
    const app = whizbang({ store, handlers: [record], projections: [counts] });
    await app.start();
    try {
      await app.send(Note({ id: 'n-1' }), { tenantId: 'acme' });
      await app.send(Note({ id: 'n-1' }), { tenantId: 'acme' });
      await app.send(Note({ id: 'n-1' }), { tenantId: 'globex' });
      expect((await store.documents.get('noted-counts', 'n-1', { tenantId: 'acme' }))?.data).toEqual({
        n: 2,
      });
      expect((await store.documents.get('noted-counts', 'n-1', { tenantId: 'globex' }))?.data).toEqual({
        n: 1,
      });
      expect(await store.documents.get('noted-counts', 'n-1')).toBeUndefined();
    } finally {
      await app.stop();
    }
  });

  it("reads an async projection's documents through the scoped store, each tenant its own", async () => {
    const store = memoryStore();
    const counts = defineProjection<{ n: number }, MessageOf<typeof Noted>>({
      name: 'async-noted-counts',
      identity: (e) => e.data.id,
      initialState: () => ({ n: 0 }),
      handlers: { Noted: (doc) => ({ n: doc.n + 1 }) },
    });
    const record = handle(Note, async (command, ctx) => {
      await ctx.store.events.appendToStream(`note-${command.data.id}`, [Noted({ id: command.data.id })]);
    });
    const Count = defineQuery('Count', { data: type<{ id: string }>(), result: type<unknown>() });
    const count = handle(
      Count,
      async (query, ctx) => (await readModel(ctx.store, counts).get(query.data.id))?.data,
    );
    const app = whizbang({ store, handlers: [record, count], projections: [counts] });
    await app.start();
    try {
      await app.send(Note({ id: 'n-1' }), { tenantId: 'acme' });
      await app.send(Note({ id: 'n-1' }), { tenantId: 'acme' });
      await app.waitForProjections();
      expect(await app.query(Count({ id: 'n-1' }), { tenantId: 'acme' })).toEqual({ n: 2 });
      expect(await app.query(Count({ id: 'n-1' }), { tenantId: 'globex' })).toBeUndefined();
    } finally {
      await app.stop();
    }
  });

  it('scopes a unit of work to its tenant, and rolls it back whole on a cross-tenant call', async () => {
    const store = memoryStore();
    const app = whizbang({ store, handlers: [note] });
    await app.transaction(
      async (uow) => {
        await uow.store.events.appendToStream('s-1', [Noted({ id: 'n-1' })]);
        await uow.send(Note({ id: 'n-1' }));
      },
      { tenantId: 'acme' },
    );
    expect((await store.events.readStream('s-1', { tenantId: 'acme' })).version).toBe(1);
    expect(await store.documents.get('notes', 'n-1', { tenantId: 'acme' })).toBeDefined();
    await crossTenant(
      app.transaction(
        async (uow) => {
          await uow.store.events.appendToStream('s-2', [Noted({ id: 'n-2' })]);
          await uow.store.events.readStream('s-1', { tenantId: 'globex' });
        },
        { tenantId: 'acme' },
      ),
    );
    expect((await store.events.readStream('s-2', { tenantId: 'acme' })).exists).toBe(false);
  });
});

describe('required tenants', () => {
  it('refuses a message without a tenant before anything runs or is written', async () => {
    const store = memoryStore();
    const app = whizbang({ store, handlers: [note, peek], tenancy: { required: true } });
    const error = await app.send(Note({ id: 'n-1', tenant: 'acme' })).catch((e: unknown) => e);
    expect(isTenantRequiredError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'WHIZBANG_TENANT_REQUIRED', messageType: 'Note', kind: 'command' });
    await expect(app.query(Peek({ id: 'n-1' }))).rejects.toSatisfy(isTenantRequiredError);
    await expect(app.publish(Noted({ id: 'n-1' }))).rejects.toSatisfy(isTenantRequiredError);
    await expect(
      app.receive('command', app.envelopeFor('command', Note({ id: 'n-1' })), store),
    ).rejects.toSatisfy(isTenantRequiredError);
    await expect(app.transaction((uow) => uow.send(Note({ id: 'n-1' })))).rejects.toSatisfy(
      isTenantRequiredError,
    );
    expect(await store.documents.count('notes', { tenantId: 'acme' })).toBe(0);
    expect(await store.documents.count('notes')).toBe(0);

    await app.send(Note({ id: 'n-1' }), { tenantId: 'acme' });
    expect(await store.documents.count('notes', { tenantId: 'acme' })).toBe(1);
  });

  it('requires a tenant by message type, and never for messages only system handlers take', async () => {
    const store = memoryStore();
    const Maintain = defineCommand('Maintain', { data: type<{ id: string }>() });
    const maintain = handle(
      Maintain,
      (command, ctx) => ctx.store.documents.put('notes', command.data.id, {}, { tenantId: 'acme' }),
      { system: true },
    );
    const app = whizbang({
      store,
      handlers: [note, peek, maintain],
      tenancy: { required: (_messageType, kind) => kind === 'command' },
    });
    await expect(app.send(Note({ id: 'n-1' }))).rejects.toSatisfy(isTenantRequiredError);
    await expect(app.query(Peek({ id: 'n-1' }))).resolves.toBeUndefined();
    await app.send(Maintain({ id: 'n-2' }));
    expect(await store.documents.get('notes', 'n-2', { tenantId: 'acme' })).toBeDefined();
  });

  it('refuses a setting that is neither a boolean nor a function', () => {
    expect(() => whizbang({ store: memoryStore(), tenancy: { required: 'yes' as never } })).toThrow(
      /tenancy\.required/,
    );
  });
});

describe('sagas across tenants', () => {
  const Opened = defineEvent('Opened', { data: type<{ key: string }>() });
  const Remind = defineCommand('Remind', { data: type<{ key: string }>() });
  type Opening = MessageOf<typeof Opened>;

  it('keeps two tenants apart under one correlation key: instances, commands and timeouts', async () => {
    const store = memoryStore();
    const reminders = defineSaga<{ opened: number }, Opening>({
      name: 'reminders',
      startedBy: [Opened],
      correlate: { Opened: (e) => e.data.key },
      initialState: () => ({ opened: 0 }),
      handlers: {
        Opened: (s, e, saga) => {
          saga.send(Remind({ key: e.data.key }));
          saga.requestTimeout('close', { delayMs: 20 });
          return { opened: s.opened + 1 };
        },
      },
      timeouts: { close: (_s, _t, saga) => saga.complete() },
    });
    const reminded: { tenant: string | undefined; key: string }[] = [];
    const remind = handle(Remind, async (command, ctx) => {
      reminded.push({ tenant: ctx.tenantId, key: command.data.key });
      await ctx.store.documents.put('reminded', command.data.key, { at: 'now' });
    });
    const app = whizbang({ store, handlers: [remind], sagas: [reminders] });
    await app.start();
    try {
      await store.events.appendToStream('door-acme', [Opened({ key: 'k-1' })], { tenantId: 'acme' });
      await store.events.appendToStream('door-globex', [Opened({ key: 'k-1' })], { tenantId: 'globex' });
      await store.events.appendToStream('door-globex-2', [Opened({ key: 'k-1' })], { tenantId: 'globex' });
      await app.waitForProjections({ timeoutMs: 5_000 });

      const acme = await app.sagaInstance(reminders, 'k-1', { tenantId: 'acme' });
      const globex = await app.sagaInstance(reminders, 'k-1', { tenantId: 'globex' });
      expect(acme?.state).toEqual({ opened: 1 });
      expect(globex?.state).toEqual({ opened: 2 });
      expect(await app.sagaInstance(reminders, 'k-1')).toBeUndefined();
      const waiting = await store.outbox.list();
      expect(waiting.map((m) => `${m.type} ${m.tenantId}`).toSorted()).toEqual(
        expect.arrayContaining(['whizbang.SagaTimeout acme', 'whizbang.SagaTimeout globex']),
      );

      for (let i = 0; i < 300; i++) {
        const [a, g] = await Promise.all([
          app.sagaInstance(reminders, 'k-1', { tenantId: 'acme' }),
          app.sagaInstance(reminders, 'k-1', { tenantId: 'globex' }),
        ]);
        if (a?.status === 'completed' && g?.status === 'completed' && reminded.length === 3) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect((await app.sagaInstance(reminders, 'k-1', { tenantId: 'acme' }))?.status).toBe('completed');
      expect((await app.sagaInstance(reminders, 'k-1', { tenantId: 'globex' }))?.status).toBe('completed');
      expect(reminded.toSorted((x, y) => String(x.tenant).localeCompare(String(y.tenant)))).toEqual([
        { tenant: 'acme', key: 'k-1' },
        { tenant: 'globex', key: 'k-1' },
        { tenant: 'globex', key: 'k-1' },
      ]);
      expect(await store.documents.get('reminded', 'k-1', { tenantId: 'acme' })).toBeDefined();
      expect(await store.documents.get('reminded', 'k-1', { tenantId: 'globex' })).toBeDefined();
      expect(await store.documents.get('reminded', 'k-1')).toBeUndefined();
    } finally {
      await app.stop();
    }
  });

  it('keeps the default tenant explicit in what a saga sends, so an app that requires tenants takes it', async () => {
    const store = memoryStore();
    const pinger = defineSaga<{ n: number }, Opening>({
      name: 'pinger',
      startedBy: [Opened],
      correlate: { Opened: (e) => e.data.key },
      initialState: () => ({ n: 0 }),
      handlers: { Opened: (_s, e, saga) => saga.send(Remind({ key: e.data.key })) },
    });
    const tenants: (string | undefined)[] = [];
    const remind = handle(Remind, (_command, ctx) => {
      tenants.push(ctx.tenantId);
    });
    const app = whizbang({ store, handlers: [remind], sagas: [pinger], tenancy: { required: true } });
    await app.start();
    try {
      await store.events.appendToStream('door-1', [Opened({ key: 'k-1' })]); // no tenant: 'default'
      for (let i = 0; i < 300 && tenants.length === 0; i++)
        await new Promise((resolve) => setTimeout(resolve, 10));
      expect(tenants).toEqual(['default']);
      expect(await store.deadLetters.list()).toEqual([]);
    } finally {
      await app.stop();
    }
  });
});
