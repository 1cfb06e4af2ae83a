import { Client, Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defineCollection,
  defineProjection,
  defineTable,
  isConcurrencyError,
  isCrossTenantAccessError,
  isDocumentConflictError,
  isStateError,
  ProjectionDaemon,
  readModel,
  type RecordedEvent,
} from '@whizbang/core';
import { grantApplicationRole } from './grant-application-role.js';
import { postgresStore, type PostgresStore } from './postgres-store.js';
import {
  connectionString,
  delayedConnection,
  dropSchemas,
  freshSchema,
  postgresAvailable,
} from './test-support/database.js';

const available = await postgresAvailable();

const Orders = defineTable<{ id: string; total: number | null }>('strict_orders', {
  columns: { total: 'integer' },
});
/** Migrated after grantApplicationRole: the application role has no rights on it. */
const Ungranted = defineTable<{ id: string }>('strict_ungranted', { columns: {} });

/** Tables of the schema that carry tenant rows, as the proof reads them with raw SQL. */
const TENANT_TABLES = [
  'streams',
  'events',
  'documents',
  'snapshots',
  'dead_letters',
  'outbox',
  'strict_orders',
] as const;

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** The same server as `connectionString`, as another role (trust auth lets any role log in). */
function asRole(role: string): string {
  const url = new URL(connectionString);
  url.username = role;
  url.password = '';
  return url.toString();
}

let roleCounter = 0;
const roles: string[] = [];
/** A login role of this test run, dropped (with its grants) at the end. */
async function createRole(admin: Client, attributes = ''): Promise<string> {
  const role = `wbr_role_${process.pid}_${Date.now().toString(36)}_${roleCounter++}`;
  await admin.query(`CREATE ROLE "${role}" LOGIN ${attributes}`);
  roles.push(role);
  return role;
}

/** Writes one of everything for `tenantId` through a strict store. */
async function writeTenant(store: PostgresStore, tenantId: string): Promise<void> {
  await store.events.appendToStream(`order-${tenantId}`, [{ type: 'Placed', data: { tenantId } }], {
    tenantId,
  });
  await store.documents.put('orders', `order-${tenantId}`, { tenantId }, { tenantId });
  await store.snapshots.save({
    stream: `order-${tenantId}`,
    version: 1,
    schemaVersion: 1,
    state: {},
    tenantId,
  });
  await store.deadLetters.add({
    source: 'test',
    tenantId,
    messageId: `m-${tenantId}`,
    messageType: 'Placed',
    payload: {},
    error: { name: 'Error', message: 'boom' },
    attempts: 1,
  });
  await store.outbox.add([{ id: `out-${tenantId}`, destination: 'd', type: 'Placed', body: '{}', tenantId }]);
  await store.tables.upsertMany(Orders, [{ id: `order-${tenantId}`, total: 1 }], { tenantId });
}

describe.runIf(available)('postgres: strict tenancy (row-level security)', () => {
  const schema = freshSchema('wbr');
  let admin: Client;
  let system: PostgresStore;
  let appRole: string;
  let appUrl: string;
  const opened: PostgresStore[] = [];
  const strict = (options: { pool?: Pool } = {}) => {
    const store = postgresStore({
      ...(options.pool ? { pool: options.pool } : { connectionString: appUrl, maxConnections: 2 }),
      schema,
      tenancy: 'strict',
    });
    opened.push(store);
    return store;
  };

  beforeAll(async () => {
    admin = new Client({ connectionString });
    await admin.connect();
    system = postgresStore({ connectionString, schema, maxConnections: 2 });
    await system.migrate();
    await system.tables.migrate(Orders);
    appRole = await createRole(admin);
    appUrl = asRole(appRole);
    await grantApplicationRole({ connectionString, schema, role: appRole });
    await system.tables.migrate(Ungranted);
  });

  afterAll(async () => {
    await Promise.all(opened.map((store) => store.close()));
    await system?.close();
    await dropSchemas('wbr');
    for (const role of roles) {
      await admin.query(`DROP OWNED BY "${role}"`);
      await admin.query(`DROP ROLE "${role}"`);
    }
    await admin?.end();
  });

  it("lets raw SQL on the application's connection see and write only the bound tenant's rows", async () => {
    const pool = new Pool({ connectionString: appUrl, max: 1 });
    try {
      const store = strict({ pool });
      await writeTenant(store, 'a');
      await writeTenant(store, 'b');
      const client = await pool.connect();
      try {
        // A hand-written query that forgets the tenant filter, on the store's own pool.
        await client.query(`BEGIN; SELECT set_config('whizbang.tenant_id', 'a', true)`);
        for (const table of TENANT_TABLES) {
          const { rows } = await client.query<{ tenant_id: string }>(`SELECT * FROM "${schema}"."${table}"`);
          const tenants = [...new Set(rows.map((row) => row.tenant_id))];
          expect({ table, tenants }).toEqual({ table, tenants: ['a'] });
        }
        // The policy is in the application role's plan, and not in the owner's, which it does not bind.
        const explain = `EXPLAIN SELECT * FROM "${schema}".documents WHERE tenant_id = 'a' AND collection = 'orders' AND id = 'x'`;
        expect(JSON.stringify((await client.query(explain)).rows)).toMatch(/current_setting/);
        expect(JSON.stringify((await admin.query(explain)).rows)).not.toMatch(/current_setting/);
        // Another tenant's rows can be neither changed nor written.
        const { rowCount } = await client.query(
          `UPDATE "${schema}".documents SET version = 99 WHERE tenant_id = 'b'`,
        );
        expect(rowCount).toBe(0);
        await client.query('SAVEPOINT s');
        const refused = await failure(
          client.query(
            `INSERT INTO "${schema}".documents (tenant_id, collection, id, version, data) VALUES ('b', 'orders', 'x', 1, '{}')`,
          ),
        );
        expect((refused as { code?: string }).code).toBe('42501'); // new row violates row-level security policy
        await client.query('ROLLBACK TO SAVEPOINT s');
        const appended = await failure(
          client.query(`SELECT * FROM "${schema}".append_to_stream('b', 'sneaky', -1, '[]'::jsonb)`),
        );
        expect((appended as { code?: string }).code).toBe('42501');
        await client.query('ROLLBACK');
        // No tenant bound: nothing at all.
        const { rows: none } = await client.query(`SELECT * FROM "${schema}".events`);
        expect(none).toEqual([]);
        // Checkpoints and leases are the system store's: the application role has no rights there.
        const denied = await failure(client.query(`SELECT * FROM "${schema}".checkpoints`));
        expect((denied as { code?: string }).code).toBe('42501');
      } finally {
        client.release();
      }
      // The system store (the owner role) still sees both tenants.
      const { rows } = await admin.query<{ tenant_id: string }>(
        `SELECT DISTINCT tenant_id FROM "${schema}".events WHERE tenant_id IN ('a', 'b') ORDER BY tenant_id`,
      );
      expect(rows.map((row) => row.tenant_id)).toEqual(['a', 'b']);
    } finally {
      await pool.end();
    }
  });

  it('runs every tenant-scoped port per tenant, and keeps tenants apart', async () => {
    const store = strict();
    expect(store.tenancy).toBe('strict');
    await store.events.appendToStream('cart', [{ type: 'Added', data: { n: 1 } }], { tenantId: 't1' });
    await store.events.appendToStream('cart', [{ type: 'Added', data: { n: 2 } }], { tenantId: 't2' });
    await store.events.appendToStreams(
      [
        { stream: 'cart', events: [{ type: 'Added', data: { n: 3 } }], expectedVersion: 1 },
        { stream: 'other', events: [{ type: 'Added', data: { n: 4 } }] },
      ],
      { tenantId: 't1' },
    );
    const cart = await store.events.readStream('cart', { tenantId: 't1' });
    expect(cart.events.map((e) => e.data)).toEqual([{ n: 1 }, { n: 3 }]);
    expect((await store.events.getStreamInfo('cart', { tenantId: 't2' })).version).toBe(1);
    expect((await store.events.readStream('other', { tenantId: 't2' })).exists).toBe(false);
    await store.events.setStreamMetadata('other', { owner: 'x' }, { tenantId: 't1' });
    await store.events.archiveStream('other', { tenantId: 't1' });
    // Up to the committed head: the gap-safe one stops below any transaction running on the
    // server, and other test files share it. Nothing else writes to this schema meanwhile.
    const until = await system.events.readHeadPosition({ committed: true });
    const t1 = await collect(store.events.readAll({ filter: { tenantId: 't1' }, until }));
    expect(t1.map((e: RecordedEvent) => e.data)).toEqual([{ n: 1 }, { n: 3 }, { n: 4 }]);

    await store.documents.put('carts', 'c', { items: 1 }, { tenantId: 't1' });
    await store.documents.put('carts', 'c', { items: 2 }, { tenantId: 't2' });
    await store.documents.putMany('carts', [{ id: 'd', data: { items: 3 }, expectedVersion: 'none' }], {
      tenantId: 't1',
    });
    expect((await store.documents.get('carts', 'c', { tenantId: 't2' }))?.data).toEqual({ items: 2 });
    const page = await store.documents.find('carts', {
      tenantId: 't1',
      orderBy: [{ field: 'items', type: 'number' }],
    });
    expect(page.documents.map((d) => d.data)).toEqual([{ items: 1 }, { items: 3 }]);
    expect(await store.documents.count('carts', { tenantId: 't2' })).toBe(1);
    expect(await store.documents.deleteMany('carts', ['c', 'd'], { tenantId: 't1' })).toBe(2);
    expect(await store.documents.getMany('carts', ['c', 'd'], { tenantId: 't2' })).toHaveLength(1);

    await store.snapshots.save({
      stream: 'cart',
      version: 2,
      schemaVersion: 1,
      state: { n: 3 },
      tenantId: 't1',
    });
    expect((await store.snapshots.load('cart', { tenantId: 't1' }))?.state).toEqual({ n: 3 });
    expect(await store.snapshots.load('cart', { tenantId: 't2' })).toBeUndefined();

    await store.tables.upsertMany(Orders, [{ id: 'o', total: 5 }], { tenantId: 't1' });
    expect(await store.tables.select(Orders, { tenantId: 't1' })).toEqual([{ id: 'o', total: 5 }]);
    expect(await store.tables.select(Orders, { tenantId: 't2' })).toEqual([]);
    expect(await store.inbox.record('group', 'message-1')).toBe(true);
    expect(await store.inbox.has('group', 'message-1')).toBe(true);
  });

  it('binds a transaction to its first tenant and refuses a second one, writing nothing', async () => {
    const store = strict();
    await store.transaction(async (tx) => {
      await tx.events.appendToStream('tx', [{ type: 'E', data: {} }], { tenantId: 't3' });
      await tx.documents.put('txdocs', 'one', { ok: true }, { tenantId: 't3' });
      await tx.inbox.record('group', 'message-t3');
      expect((await tx.events.readStream('tx', { tenantId: 't3' })).version).toBe(1);
    });
    expect((await store.documents.get('txdocs', 'one', { tenantId: 't3' }))?.data).toEqual({ ok: true });

    const mixed = await failure(
      store.transaction(async (tx) => {
        await tx.documents.put('txdocs', 'two', { ok: true }, { tenantId: 't3' });
        await tx.documents.put('txdocs', 'two', { ok: true }, { tenantId: 't4' });
      }),
    );
    expect(isCrossTenantAccessError(mixed)).toBe(true);
    expect(mixed).toMatchObject({ tenantId: 't3', requestedTenantId: 't4', operation: 'documents.put' });
    expect((mixed as Error).message).toMatch(/tenant 't3'.*'t4'/);
    expect(await store.documents.get('txdocs', 'two', { tenantId: 't3' })).toBeUndefined();
    // Spanning every tenant: the acting tenant is the bound one, or 'default' before any binding.
    const unbound = await failure(store.transaction(async (tx) => tx.checkpoints.get('cp')));
    expect(isCrossTenantAccessError(unbound)).toBe(true);
    expect(unbound).toMatchObject({
      tenantId: 'default',
      requestedTenantId: undefined,
      operation: 'checkpoints.get',
    });
    const bound = await failure(
      store.transaction(async (tx) => {
        await tx.documents.put('txdocs', 'three', { ok: true }, { tenantId: 't3' });
        return collect(tx.events.readAll());
      }),
    );
    expect(bound).toMatchObject({
      code: 'WHIZBANG_CROSS_TENANT',
      tenantId: 't3',
      requestedTenantId: undefined,
      operation: 'events.readAll',
    });
    expect(await store.documents.get('txdocs', 'three', { tenantId: 't3' })).toBeUndefined();
  });

  it('opens a transaction with its first statement, bound to its tenant, and never after it ended', async () => {
    const pool = new Pool({ connectionString: appUrl, max: 1, pipeline: true });
    try {
      const store = strict({ pool });
      const settingBetween = async () => {
        const { rows } = await pool.query<{ t: string | null }>(
          `SELECT current_setting('whizbang.tenant_id', true) AS t`,
        );
        return rows[0];
      };
      // No statement, no transaction: nothing to bind, commit or roll back.
      expect(await store.transaction(async () => 'nothing')).toBe('nothing');
      // A tenant-less first call (the inbox) opens it; the first tenant call then binds it.
      await store.transaction(async (tx) => {
        await tx.inbox.record('group', 'deferred-1');
        await tx.documents.put('deferred', 'one', { n: 1 }, { tenantId: 't5' });
        expect((await tx.documents.get('deferred', 'one', { tenantId: 't5' }))?.data).toEqual({ n: 1 });
      });
      expect(await store.inbox.has('group', 'deferred-1')).toBe(true);
      // A call left running past the end of its transaction is refused, and opens none.
      let late: Promise<unknown> | undefined;
      await store.transaction(async (tx) => {
        await tx.documents.get('deferred', 'one', { tenantId: 't5' });
        late = new Promise((resolve) => setTimeout(resolve, 20)).then(() =>
          tx.documents.put('deferred', 'late', { n: 2 }, { tenantId: 't5' }),
        );
      });
      expect(((await failure(late!)) as Error).message).toMatch(/transaction has ended/);
      expect(await store.documents.get('deferred', 'late', { tenantId: 't5' })).toBeUndefined();
      expect(await settingBetween()).toMatchObject({ t: expect.toBeOneOf(['', null]) });
    } finally {
      await pool.end();
    }
  });

  it('refuses the calls that span tenants or have none', async () => {
    const store = strict();
    // Spanning every tenant (or having none): CrossTenantAccessError, acting for 'default' outside a transaction.
    const spanning: [string, () => Promise<unknown>][] = [
      ['events.readAll', () => collect(store.events.readAll())],
      ['events.readHeadPosition', () => store.events.readHeadPosition()],
      ['checkpoints.get', () => store.checkpoints.get('cp')],
      ['checkpoints.acquireLease', () => store.checkpoints.acquireLease('l', 'me', { ttlMs: 1000 })],
      ['documents.deleteCollection', () => store.documents.deleteCollection('orders')],
      ['tables.drop', () => store.tables.drop(Orders)],
      ['outbox.claim', () => store.outbox.claim('relay', { limit: 10, leaseMs: 1000 })],
      ['outbox.backlog', () => store.outbox.backlog()],
      ['deadLetters.list', () => store.deadLetters.list()],
      ['deadLetters.get', () => store.deadLetters.get('x')],
    ];
    for (const [operation, call] of spanning) {
      const error = await failure(call());
      expect({ operation, code: isCrossTenantAccessError(error), error }).toMatchObject({
        operation,
        code: true,
        error: { tenantId: 'default', requestedTenantId: undefined, operation, message: /system store/ },
      });
    }
    // A batch of two tenants: the first one acts, the other is the one it cannot reach.
    const mixed = await failure(
      store.outbox.add([
        { id: 'x1', destination: 'd', type: 'T', body: '{}', tenantId: 'a' },
        { id: 'x2', destination: 'd', type: 'T', body: '{}', tenantId: 'b' },
      ]),
    );
    expect(isCrossTenantAccessError(mixed)).toBe(true);
    expect(mixed).toMatchObject({ tenantId: 'a', requestedTenantId: 'b', operation: 'outbox.add' });
    // Schema changes are the system store's: a StateError, as for a misconfigured store.
    for (const [name, call] of [
      ['migrate', () => store.migrate()],
      ['tables.migrate', () => store.tables.migrate(Orders)],
      [
        'documents.createIndexes',
        () =>
          store.documents.createIndexes(
            defineCollection('orders', { fields: { n: 'number' }, indexes: [['n']] }),
          ),
      ],
    ] as const) {
      const error = await failure(call());
      expect({ name, isStateError: isStateError(error), message: (error as Error).message }).toMatchObject({
        name,
        isStateError: true,
        message: expect.stringMatching(/migrate|schema/),
      });
    }
    // Nothing was written by any refused call.
    const { rows } = await admin.query(`SELECT id FROM "${schema}".outbox WHERE id IN ('x1', 'x2')`);
    expect(rows).toEqual([]);
  });

  it('never leaves a tenant on a pooled connection: one connection, tenants A and B alternating, failures included', async () => {
    for (const pipeline of [true, false]) {
      const pool = new Pool({ connectionString: appUrl, max: 1, pipeline });
      try {
        const store = strict({ pool });
        /** What raw SQL on the store's one connection sees between two calls: no tenant, no rows. */
        const between = async () => {
          const { rows } = await pool.query<{
            t: string | null;
            docs: number;
            events: number;
            idle: boolean;
          }>(
            `SELECT current_setting('whizbang.tenant_id', true) AS t,
                    (SELECT count(*)::int FROM "${schema}".documents) AS docs,
                    (SELECT count(*)::int FROM "${schema}".events) AS events`,
          );
          return rows[0];
        };
        const clean = { t: expect.toBeOneOf(['', null]), docs: 0, events: 0 };
        for (let i = 0; i < 6; i++) {
          const tenantId = i % 2 === 0 ? `leak-a-${pipeline}` : `leak-b-${pipeline}`;
          const other = i % 2 === 0 ? `leak-b-${pipeline}` : `leak-a-${pipeline}`;
          await store.documents.put('leak', `doc-${i}`, { tenantId }, { tenantId });
          expect(await between()).toEqual(clean);
          const page = await store.documents.find('leak', { tenantId });
          expect(page.documents.every((d) => (d.data as { tenantId: string }).tenantId === tenantId)).toBe(
            true,
          );
          expect(await store.documents.get('leak', `doc-${i}`, { tenantId: other })).toBeUndefined();
          expect(await between()).toEqual(clean);
          await store.events.appendToStream(`leak-${i}`, [{ type: 'E', data: {} }], { tenantId });
          // A failed statement (a version conflict, in one pipelined message), a failed
          // multi-statement write, and a transaction that throws: each leaves the connection clean.
          const conflict = await failure(
            store.documents.put('leak', `doc-${i}`, {}, { tenantId, expectedVersion: 99 }),
          );
          expect(isDocumentConflictError(conflict)).toBe(true);
          expect(await between()).toEqual(clean);
          const appendConflict = await failure(
            store.events.appendToStream(`leak-${i}`, [{ type: 'E', data: {} }], {
              tenantId,
              expectedVersion: 5,
            }),
          );
          expect(isConcurrencyError(appendConflict)).toBe(true);
          expect(await between()).toEqual(clean);
          const thrown = await failure(
            store.transaction(async (tx) => {
              await tx.documents.put('leak', `tx-${i}`, {}, { tenantId });
              throw new Error('abandon');
            }),
          );
          expect((thrown as Error).message).toBe('abandon');
          expect(await between()).toEqual(clean);
          // An error PostgreSQL raises in the single pipelined statement: a table not granted yet.
          const denied = await failure(store.tables.select(Ungranted, { tenantId }));
          expect((denied as { code?: string }).code).toBe('42501');
          expect(await between()).toEqual(clean);
          expect((await store.events.readStream(`leak-${i}`, { tenantId: other })).exists).toBe(false);
          expect((await store.events.readStream(`leak-${i}`, { tenantId })).version).toBe(1);
          expect(await store.documents.get('leak', `tx-${i}`, { tenantId })).toBeUndefined();
          expect(await between()).toEqual(clean);
        }
      } finally {
        await pool.end();
      }
    }
  });

  it("sends a call's BEGIN, tenant binding, statement and COMMIT in one round trip", async () => {
    // Each way 40 ms: a round trip costs 80 ms, far above what the work itself costs here.
    const proxy = await delayedConnection(appUrl, 40);
    const store = postgresStore({
      connectionString: proxy.url,
      schema,
      tenancy: 'strict',
      maxConnections: 1,
    });
    const { roundTrips } = proxy;
    try {
      await store.documents.put('trips', 'one', { n: 1 }, { tenantId: 't6' }); // connects and checks the role
      // One round trip each, where the binding once took two more; a half is left for the work.
      expect(await roundTrips(() => store.documents.get('trips', 'one', { tenantId: 't6' }))).toBeLessThan(
        1.5,
      );
      expect(
        await roundTrips(() => store.documents.put('trips', 'two', { n: 2 }, { tenantId: 't6' })),
      ).toBeLessThan(1.5);
      // BEGIN and the binding ride with the first statement: get, get, COMMIT, where it took five.
      const transaction = await roundTrips(() =>
        store.transaction(async (tx) => {
          await tx.documents.get('trips', 'one', { tenantId: 't6' });
          await tx.documents.get('trips', 'two', { tenantId: 't6' });
        }),
      );
      expect(transaction).toBeLessThan(3.5);
      expect(transaction).toBeGreaterThanOrEqual(3);
    } finally {
      await store.close();
      await proxy.close();
    }
  });

  it('refuses to open as a superuser, a table owner or a BYPASSRLS role', async () => {
    const superuser = postgresStore({ connectionString, schema, tenancy: 'strict' });
    opened.push(superuser);
    const asSuper = await failure(superuser.documents.get('orders', 'x'));
    expect(isStateError(asSuper)).toBe(true);
    expect((asSuper as Error).message).toMatch(/superuser/);

    const bypass = postgresStore({
      connectionString: asRole(await createRole(admin, 'BYPASSRLS')),
      schema,
      tenancy: 'strict',
    });
    opened.push(bypass);
    expect(((await failure(bypass.documents.get('orders', 'x'))) as Error).message).toMatch(/BYPASSRLS/);

    // An owner that is not a superuser: it migrates its own schema, then cannot open it strictly.
    const owner = await createRole(admin);
    const database = new URL(connectionString).pathname.slice(1);
    await admin.query(`GRANT CREATE ON DATABASE "${database}" TO "${owner}"`);
    const ownedSchema = freshSchema('wbr');
    const ownerSystem = postgresStore({ connectionString: asRole(owner), schema: ownedSchema });
    opened.push(ownerSystem);
    await ownerSystem.migrate();
    const ownerStrict = postgresStore({
      connectionString: asRole(owner),
      schema: ownedSchema,
      tenancy: 'strict',
    });
    opened.push(ownerStrict);
    const asOwner = await failure(ownerStrict.events.readStream('s'));
    expect(isStateError(asOwner)).toBe(true);
    expect((asOwner as Error).message).toMatch(/owns/);
    // A member of the owner role inherits its rights, and is refused too.
    const member = await createRole(admin);
    await admin.query(`GRANT "${owner}" TO "${member}"`);
    const asMember = postgresStore({
      connectionString: asRole(member),
      schema: ownedSchema,
      tenancy: 'strict',
    });
    opened.push(asMember);
    expect(((await failure(asMember.events.readStream('s'))) as Error).message).toMatch(/owns/);
    await admin.query(`REVOKE CREATE ON DATABASE "${database}" FROM "${owner}"`);
  });

  it('lets a daemon on the system store project what two strict stores appended, each tenant reading its own', async () => {
    const counts = defineProjection<{ n: number }>({
      name: 'strict-counts',
      collection: 'strict_counts',
      initialState: () => ({ n: 0 }),
      handlers: { Counted: (doc) => ({ n: doc.n + 1 }) },
    });
    const north = strict();
    const south = strict();
    for (let i = 0; i < 3; i++) {
      await north.events.appendToStream('north-1', [{ type: 'Counted', data: {} }], { tenantId: 'north' });
      await south.events.appendToStream(`south-${i}`, [{ type: 'Counted', data: {} }], { tenantId: 'south' });
    }
    const daemon = new ProjectionDaemon({ store: system, projections: [counts], pollIntervalMs: 50 });
    await daemon.start();
    try {
      const deadline = Date.now() + 15_000;
      const read = async () => ({
        north: await readModel(north, counts).find({ tenantId: 'north' }),
        south: await readModel(south, counts).find({ tenantId: 'south' }),
      });
      let seen = await read();
      while ((seen.north.documents.length < 1 || seen.south.documents.length < 3) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        seen = await read();
      }
      expect(seen.north.documents.map((d) => [d.id, d.data])).toEqual([['north-1', { n: 3 }]]);
      expect(seen.south.documents.map((d) => d.id).toSorted()).toEqual(['south-0', 'south-1', 'south-2']);
      // The collection holds both tenants; each strict read reaches only its own.
      const { rows } = await admin.query<{ n: number }>(
        `SELECT count(DISTINCT tenant_id)::int AS n FROM "${schema}".documents WHERE collection LIKE 'strict_counts%'`,
      );
      expect(rows.at(0)?.n).toBe(2);
    } finally {
      await daemon.stop();
    }
  });
});
