import { afterEach, describe, expect, it, vi } from 'vitest';
import { builtInHandlers } from '../app/built-in-handlers.js';
import { whizbang, type WhizbangOptions } from '../app/whizbang.js';
import {
  isForbiddenError,
  isPublishError,
  isUnauthenticatedError,
  isValidationError,
  type ForbiddenError,
  type PublishError,
  type UnauthenticatedError,
} from '../errors/catalog.js';
import { DispatchContext } from '../mediator/handler-context.js';
import { handle } from '../mediator/handlers.js';
import { Mediator } from '../mediator/mediator.js';
import { defineCommand, defineEvent, defineQuery, type } from '../messages/define.js';
import type { Principal } from '../messages/envelope.js';
import { memoryStore } from '../memory/memory-store.js';
import { objectSchema } from '../test-support/tiny-schema.js';
import { auditToConsole, type AuthorizationDenial } from './authorization-denial.js';
import { jsonLogger } from '../observability/logger.js';
import { Authorization } from './authorizer.js';
import { definePolicy } from './policy.js';
import { requireRole } from './require-role.js';

const PlaceOrder = defineCommand('PlaceOrder', {
  data: type<{ orderId: string; customerId: string }>(),
  result: type<string>(),
});
const CancelOrder = defineCommand('CancelOrder', { data: type<{ orderId: string }>() });
const GetOrder = defineQuery('GetOrder', { data: type<{ orderId: string }>(), result: type<string>() });
const OrderPlaced = defineEvent('OrderPlaced', { data: type<{ orderId: string }>() });
const Rename = defineCommand('Rename', {
  schema: objectSchema<{ name: string }>({ name: 'string' }, { trim: true }),
  result: type<string>(),
});

const roles = { admin: ['*'], clerk: ['orders:place', 'orders:read'], auditor: ['orders:*'] };

/** An app whose denials land in `denials`, and whose handlers record what they ran. */
function shop(options: Partial<WhizbangOptions> = {}) {
  const denials: AuthorizationDenial[] = [];
  const ran: string[] = [];
  const app = whizbang({
    store: memoryStore(),
    localDelivery: false,
    handlers: [
      handle(
        PlaceOrder,
        (command) => {
          ran.push(`placed ${command.data.orderId}`);
          return command.data.orderId;
        },
        { permissions: ['orders:place'] },
      ),
      handle(GetOrder, (query) => `order ${query.data.orderId}`),
      handle(Rename, (command) => command.data.name, { permissions: ['catalog:rename'] }),
    ],
    ...options,
    authorization: { roles, audit: (denial) => void denials.push(denial), ...options.authorization },
  });
  return { app, denials, ran };
}

const principal = (p: Omit<Principal, 'id'> & { id?: string }): Principal => ({ id: 'u-1', ...p });

describe('permissions', () => {
  it('lets a principal through with the permission itself', async () => {
    const { app, ran, denials } = shop();
    const sent = app.send(PlaceOrder({ orderId: 'o-1', customerId: 'c-1' }), {
      principal: principal({ permissions: ['orders:place'] }),
    });
    await expect(sent).resolves.toBe('o-1');
    expect(ran).toEqual(['placed o-1']);
    expect(denials).toEqual([]);
  });

  it('lets a principal through by one of its roles, through the app role map', async () => {
    const { app, ran } = shop();
    await app.send(PlaceOrder({ orderId: 'o-2', customerId: 'c-1' }), {
      principal: principal({ roles: ['nobody', 'clerk'] }),
    });
    expect(ran).toEqual(['placed o-2']);
  });

  it("honours '*' and 'orders:*' wildcards, in roles and in the principal's own permissions", async () => {
    const { app, ran } = shop();
    const order = (orderId: string) => PlaceOrder({ orderId, customerId: 'c-1' });
    await app.send(order('by-admin'), { principal: principal({ roles: ['admin'] }) });
    await app.send(order('by-auditor'), { principal: principal({ roles: ['auditor'] }) });
    await app.send(order('by-own-wildcard'), { principal: principal({ permissions: ['orders:*'] }) });
    await app.send(order('by-own-star'), { principal: principal({ permissions: ['*'] }) });
    expect(ran).toEqual([
      'placed by-admin',
      'placed by-auditor',
      'placed by-own-wildcard',
      'placed by-own-star',
    ]);
    // A prefix wildcard stops at its segment: 'orders:*' does not grant 'ordersx:…' nor 'catalog:…'.
    const near = app.send(order('near-miss'), {
      principal: principal({ permissions: ['order:*', 'orders'] }),
    });
    await expect(near).rejects.toSatisfy(isForbiddenError);
    const other = app.send(Rename({ name: 'x' }), { principal: principal({ roles: ['auditor'] }) });
    await expect(other).rejects.toSatisfy(isForbiddenError);
  });

  it('refuses a principal without the permission: ForbiddenError, audited once, handler not run', async () => {
    const { app, ran, denials } = shop();
    const error = await app
      .send(PlaceOrder({ orderId: 'o-3', customerId: 'c-1' }, { id: 'msg-1' }), {
        principal: principal({ id: 'u-7', roles: ['viewer'], permissions: ['orders:read'] }),
        tenantId: 'acme',
        correlationId: 'journey-1',
      })
      .catch((e: unknown) => e);
    expect(isForbiddenError(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'WHIZBANG_FORBIDDEN',
      principalId: 'u-7',
      tenantId: 'acme',
      messageType: 'PlaceOrder',
      permission: 'orders:place',
      reason: "lacks the permission 'orders:place'",
    } satisfies Partial<ForbiddenError>);
    expect((error as ForbiddenError).policy).toBeUndefined();
    expect(ran).toEqual([]);
    expect(denials).toHaveLength(1);
    expect(denials[0]).toEqual({
      at: expect.any(Date),
      principalId: 'u-7',
      tenantId: 'acme',
      messageType: 'PlaceOrder',
      messageId: 'msg-1',
      correlationId: 'journey-1',
      reason: "lacks the permission 'orders:place'",
      permission: 'orders:place',
    });
    expect(Math.abs((denials[0]?.at.getTime() ?? 0) - Date.now())).toBeLessThan(5_000);
  });

  it('checks before validation, so a caller without rights learns nothing of the schema; an allowed one gets validated data', async () => {
    const { app, denials } = shop();
    const refused = app.send(Rename({ name: 42 as unknown as string }), { principal: principal({}) });
    await expect(refused).rejects.toSatisfy(isForbiddenError);
    const allowed = { principal: principal({ permissions: ['catalog:rename'] }) };
    await expect(app.send(Rename({ name: 42 as unknown as string }), allowed)).rejects.toSatisfy(
      isValidationError,
    );
    await expect(app.send(Rename({ name: '  tidy  ' }), allowed)).resolves.toBe('tidy');
    expect(denials.map((d) => d.messageType)).toEqual(['Rename']);
  });

  it('runs before the middleware, so a refused message reaches neither it nor the handler', async () => {
    const seen: string[] = [];
    const { app, ran } = shop({
      middleware: [
        async (ctx, next) => {
          seen.push(ctx.message.type);
          return next();
        },
      ],
    });
    const order = PlaceOrder({ orderId: 'o', customerId: 'c' });
    await expect(app.send(order, { principal: principal({}) })).rejects.toSatisfy(isForbiddenError);
    expect(seen).toEqual([]);
    await app.send(order, { principal: principal({ roles: ['clerk'] }) });
    expect(seen).toEqual(['PlaceOrder']);
    expect(ran).toEqual(['placed o']);
  });

  it('checks messages sent from a handler as the principal who caused them', async () => {
    const Checkout = defineCommand('Checkout', { data: type<{ orderId: string }>() });
    const ran: string[] = [];
    const { app, denials } = shop({
      handlers: [
        handle(
          PlaceOrder,
          (command) => {
            ran.push(command.data.orderId);
            return command.data.orderId;
          },
          { permissions: ['orders:place'] },
        ),
        handle(Checkout, (command, ctx) =>
          ctx.send(PlaceOrder({ orderId: command.data.orderId, customerId: 'c' })),
        ),
      ],
    });
    await app.send(Checkout({ orderId: 'ok' }), { principal: principal({ roles: ['clerk'] }) });
    await expect(
      app.send(Checkout({ orderId: 'no' }), { principal: principal({ roles: ['viewer'] }) }),
    ).rejects.toSatisfy(isForbiddenError);
    expect(ran).toEqual(['ok']);
    expect(denials.map((d) => d.messageType)).toEqual(['PlaceOrder']);
  });

  it('refuses bad declarations up front', () => {
    expect(() => handle(PlaceOrder, () => 'x', { permissions: ['orders:*'] })).toThrow(/wildcard/);
    expect(() => handle(PlaceOrder, () => 'x', { permissions: [''] })).toThrow(/non-empty/);
    expect(() =>
      handle(PlaceOrder, () => 'x', {
        policies: [{ name: 'x' } as unknown as ReturnType<typeof requireRole>],
      }),
    ).toThrow(/definePolicy/);
    expect(() =>
      whizbang({ store: memoryStore(), authorization: { roles: { clerk: ['orders*'] } } }),
    ).toThrow(/roles\.clerk\.0/);
    expect(() =>
      whizbang({ store: memoryStore(), authorization: { roles: { clerk: 'orders:place' as never } } }),
    ).toThrow(/must be a list/);
    expect(() => requireRole()).toThrow(/at least one role/);
    expect(() => definePolicy('', () => true)).toThrow(/non-empty/);
  });
});

describe('principals', () => {
  it('leaves handlers without requirements alone, with or without a principal', async () => {
    const { app, denials } = shop();
    await expect(app.query(GetOrder({ orderId: 'o-1' }))).resolves.toBe('order o-1');
    await expect(
      app.query(GetOrder({ orderId: 'o-2' }), { principal: principal({ roles: ['nobody'] }) }),
    ).resolves.toBe('order o-2');
    expect(denials).toEqual([]);
  });

  it('costs nothing where nothing is declared, and never awaits a check that answers at once', () => {
    const audited: AuthorizationDenial[] = [];
    const authorization = new Authorization({ roles, audit: (denial) => void audited.push(denial) });
    expect(authorization.authorizerFor(handle(GetOrder, () => 'x'))).toBeUndefined();
    const authorizer = authorization.authorizerFor(
      handle(PlaceOrder, () => 'x', { permissions: ['orders:place'], policies: [requireRole('clerk')] }),
    )!;
    const mediator = new Mediator({ store: memoryStore() });
    const ctx = (p: Principal) =>
      new DispatchContext(
        'command',
        mediator.envelopeFor('command', PlaceOrder({ orderId: 'o', customerId: 'c' }), { principal: p }),
        memoryStore(),
        undefined,
        mediator,
        false,
      );
    expect(authorizer.check(ctx(principal({ roles: ['clerk'] })))).toBeUndefined();
    const denied = authorizer.check(ctx(principal({ roles: ['viewer'] })));
    expect(denied).toBeInstanceOf(Promise);
    expect(audited).toHaveLength(1);
    return expect(denied).rejects.toSatisfy(isForbiddenError);
  });

  it('refuses a message without a principal (or without an id) where the handler declares requirements', async () => {
    const { app, ran, denials } = shop();
    const error = await app
      .send(PlaceOrder({ orderId: 'o-1', customerId: 'c' }), { tenantId: 'acme' })
      .catch((e: unknown) => e);
    expect(isUnauthenticatedError(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'WHIZBANG_UNAUTHENTICATED',
      messageType: 'PlaceOrder',
      reason: 'the message has no principal',
    } satisfies Partial<UnauthenticatedError>);
    const anonymous = app.send(PlaceOrder({ orderId: 'o-2', customerId: 'c' }), {
      principal: { id: '', permissions: ['*'] },
    });
    await expect(anonymous).rejects.toSatisfy(isUnauthenticatedError);
    expect(ran).toEqual([]);
    expect(denials.map((d) => [d.principalId, d.tenantId, d.reason])).toEqual([
      [undefined, 'acme', 'the message has no principal'],
      [undefined, undefined, 'the principal has no id'],
    ]);
  });

  it('grants nothing for malformed claims from outside (roles or permissions that are not lists)', async () => {
    const { app } = shop();
    const forged = { id: 'u-1', roles: 'admin', permissions: '*' } as unknown as Principal;
    await expect(
      app.send(PlaceOrder({ orderId: 'o', customerId: 'c' }), { principal: forged }),
    ).rejects.toSatisfy(isForbiddenError);
  });
});

describe('policies', () => {
  const weekdayOnly = (allowed: boolean) =>
    definePolicy('weekday only', () => (allowed ? true : 'closed on weekends'));

  it('runs after the permissions: allows on true, refuses with the reason it gives', async () => {
    let open = true;
    const gate = definePolicy('gate', () => (open ? true : 'the gate is closed'));
    const ran: string[] = [];
    const { app, denials } = shop({
      handlers: [
        handle(CancelOrder, (command) => void ran.push(command.data.orderId), {
          permissions: ['orders:cancel'],
          policies: [gate],
        }),
      ],
    });
    const admin = { principal: principal({ id: 'u-2', roles: ['admin'] }), tenantId: 't-1' };
    await app.send(CancelOrder({ orderId: 'a' }), admin);
    open = false;
    const error = await app.send(CancelOrder({ orderId: 'b' }), admin).catch((e: unknown) => e);
    expect(error).toMatchObject({
      principalId: 'u-2',
      tenantId: 't-1',
      policy: 'gate',
      reason: 'the gate is closed',
    });
    expect((error as ForbiddenError).permission).toBeUndefined();
    expect(ran).toEqual(['a']);
    expect(denials.map((d) => [d.policy, d.reason, d.permission])).toEqual([
      ['gate', 'the gate is closed', undefined],
    ]);
  });

  it('treats anything but true as a refusal, and a thrown error as a failure, not a denial', async () => {
    const sloppy = definePolicy('sloppy', () => false as unknown as true);
    const broken = definePolicy('broken', () => {
      throw new Error('directory unreachable');
    });
    const { app, denials } = shop({
      handlers: [
        handle(CancelOrder, () => undefined, { policies: [sloppy] }),
        handle(GetOrder, () => 'x', { policies: [broken] }),
      ],
    });
    const who = { principal: principal({}) };
    const refused = await app.send(CancelOrder({ orderId: 'a' }), who).catch((e: unknown) => e);
    expect(refused).toMatchObject({
      policy: 'sloppy',
      reason: 'the policy did not allow it (it answered a boolean)',
    });
    await expect(app.query(GetOrder({ orderId: 'a' }), who)).rejects.toThrow('directory unreachable');
    expect(denials.map((d) => d.policy)).toEqual(['sloppy']);
  });

  it("only lets the customer who placed an order cancel it, reading the order's stream through ctx.store", async () => {
    const ownerOfTheOrder = definePolicy<{ orderId: string }>('owner of the order', async (ctx) => {
      const { events } = await ctx.store.events.readStream(`order-${ctx.message.data.orderId}`, {
        ...(ctx.tenantId !== undefined && { tenantId: ctx.tenantId }),
      });
      const placed = events.find((e) => e.type === 'OrderPlaced')?.data as { customerId: string } | undefined;
      if (placed === undefined) return `order ${ctx.message.data.orderId} does not exist`;
      return placed.customerId === ctx.principal.id || `${ctx.principal.id} did not place this order`;
    });
    const cancelled: string[] = [];
    const { app, denials } = shop({
      handlers: [
        handle(CancelOrder, (command) => void cancelled.push(command.data.orderId), {
          permissions: ['orders:cancel'],
          policies: [ownerOfTheOrder],
        }),
      ],
      authorization: { roles: { customer: ['orders:cancel'] } },
    });
    await app.store.events.appendToStream(
      'order-o-1',
      [{ type: 'OrderPlaced', data: { orderId: 'o-1', customerId: 'alice' } }],
      { tenantId: 'acme' },
    );
    const as = (id: string) => ({ principal: { id, roles: ['customer'] }, tenantId: 'acme' });
    await expect(app.send(CancelOrder({ orderId: 'o-1' }), as('bob'))).rejects.toSatisfy(isForbiddenError);
    await expect(app.send(CancelOrder({ orderId: 'o-9' }), as('alice'))).rejects.toThrow(/does not exist/);
    // The same order in another tenant is another order.
    await expect(
      app.send(CancelOrder({ orderId: 'o-1' }), { ...as('alice'), tenantId: 'globex' }),
    ).rejects.toSatisfy(isForbiddenError);
    await app.send(CancelOrder({ orderId: 'o-1' }), as('alice'));
    expect(cancelled).toEqual(['o-1']);
    expect(denials.map((d) => [d.principalId, d.tenantId, d.policy, d.reason])).toEqual([
      ['bob', 'acme', 'owner of the order', 'bob did not place this order'],
      ['alice', 'acme', 'owner of the order', 'order o-9 does not exist'],
      ['alice', 'globex', 'owner of the order', 'order o-1 does not exist'],
    ]);
  });

  it('requireRole allows any one of its roles', async () => {
    const ran: string[] = [];
    const { app } = shop({
      handlers: [
        handle(CancelOrder, (c) => void ran.push(c.data.orderId), {
          policies: [requireRole('manager', 'admin')],
        }),
      ],
    });
    await app.send(CancelOrder({ orderId: 'm' }), { principal: principal({ roles: ['manager'] }) });
    const error = await app
      .send(CancelOrder({ orderId: 'c' }), { principal: principal({ roles: ['clerk'] }) })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      policy: 'requireRole(manager, admin)',
      reason: 'needs the role manager or admin',
    });
    expect(ran).toEqual(['m']);
  });

  it("runs the app's policies for every command and query with a principal, before the handler's own", async () => {
    let allowed = false;
    const order: string[] = [];
    const appWide = definePolicy('app-wide', () => (order.push('app'), allowed || 'maintenance'));
    const own = definePolicy('own', () => (order.push('own'), true));
    const heard: string[] = [];
    const { app, denials } = shop({
      handlers: [
        handle(CancelOrder, () => undefined, { policies: [own] }),
        handle(GetOrder, () => 'x'),
        handle(PlaceOrder, () => 'public', { appPolicies: false }),
        handle(OrderPlaced, (event) => void heard.push(event.data.orderId)),
      ],
      authorization: { policies: [appWide] },
    });
    const who = { principal: principal({}) };
    await expect(app.send(CancelOrder({ orderId: 'a' }), who)).rejects.toMatchObject({ policy: 'app-wide' });
    await expect(app.query(GetOrder({ orderId: 'a' }), who)).rejects.toMatchObject({ reason: 'maintenance' });
    expect(order).toEqual(['app', 'app']);
    // Opted out, events, and messages without a principal (the runtime's, background work) pass.
    await expect(app.send(PlaceOrder({ orderId: 'p', customerId: 'c' }), who)).resolves.toBe('public');
    await app.publish(OrderPlaced({ orderId: 'e' }), who);
    await expect(app.query(GetOrder({ orderId: 'a' }))).resolves.toBe('x');
    expect(heard).toEqual(['e']);
    allowed = true;
    order.length = 0;
    await app.send(CancelOrder({ orderId: 'a' }), who);
    expect(order).toEqual(['app', 'own']);
    expect(denials.map((d) => d.messageType)).toEqual(['CancelOrder', 'GetOrder']);
  });

  it("keeps the app's policies off the runtime's own saga timeouts", () => {
    const authorization = new Authorization({ policies: [requireRole('never')] });
    const runtime = builtInHandlers([], true, {});
    expect(runtime.map((h) => [h.definition.type, authorization.authorizerFor(h)])).toEqual([
      ['whizbang.SagaTimeout', undefined],
    ]);
    expect(authorization.authorizerFor(handle(GetOrder, () => 'x'))).toBeDefined();
  });

  it('waits for async policies in order and stops at the first refusal', async () => {
    const asked: string[] = [];
    const slow = (name: string, answer: true | string) =>
      definePolicy(name, async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        asked.push(name);
        return answer;
      });
    const { app } = shop({
      handlers: [
        handle(CancelOrder, () => undefined, {
          policies: [slow('first', true), weekdayOnly(true), slow('second', 'no'), slow('third', true)],
        }),
      ],
    });
    await expect(app.send(CancelOrder({ orderId: 'a' }), { principal: principal({}) })).rejects.toMatchObject(
      {
        policy: 'second',
      },
    );
    expect(asked).toEqual(['first', 'second']);
  });

  it('checks each handler of an event on its own: a refused one fails, the others run', async () => {
    const heard: string[] = [];
    const { app, denials } = shop({
      handlers: [
        handle(OrderPlaced, (e) => void heard.push(`mail ${e.data.orderId}`)),
        handle(OrderPlaced, (e) => void heard.push(`bill ${e.data.orderId}`), {
          name: 'billing',
          permissions: ['billing:charge'],
        }),
      ],
    });
    const error = await app
      .publish(OrderPlaced({ orderId: 'o-1' }), { principal: principal({ roles: ['clerk'] }) })
      .catch((e: unknown) => e);
    expect(isPublishError(error)).toBe(true);
    expect((error as PublishError).failures.map((f) => [f.handler, isForbiddenError(f.error)])).toEqual([
      ['billing', true],
    ]);
    expect(heard).toEqual(['mail o-1']);
    expect(denials.map((d) => [d.messageType, d.permission])).toEqual([['OrderPlaced', 'billing:charge']]);
  });
});

describe('the audit', () => {
  afterEach(() => vi.restoreAllMocks());

  it("writes each denial as one warning line through the app's logger by default", async () => {
    const lines: string[] = [];
    const app = whizbang({
      store: memoryStore(),
      logger: jsonLogger({ write: (line) => void lines.push(line) }),
      handlers: [handle(CancelOrder, () => undefined, { permissions: ['orders:cancel'] })],
    });
    await expect(
      app.send(CancelOrder({ orderId: 'a' }, { id: 'm-1' }), {
        principal: { id: 'eve' },
        tenantId: 'acme',
        correlationId: 'c-1',
      }),
    ).rejects.toSatisfy(isForbiddenError);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      level: 40,
      msg: 'CancelOrder denied',
      event: 'whizbang.authorization.denied',
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      principalId: 'eve',
      tenantId: 'acme',
      messageType: 'CancelOrder',
      messageId: 'm-1',
      correlationId: 'c-1',
      reason: "lacks the permission 'orders:cancel'",
      permission: 'orders:cancel',
    });
  });

  it('can write each denial as one JSON line to stderr instead (auditToConsole)', async () => {
    const lines: unknown[][] = [];
    vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => void lines.push(args));
    const app = whizbang({
      store: memoryStore(),
      authorization: { audit: auditToConsole },
      handlers: [handle(CancelOrder, () => undefined, { permissions: ['orders:cancel'] })],
    });
    await expect(app.send(CancelOrder({ orderId: 'a' }), { principal: { id: 'eve' } })).rejects.toSatisfy(
      isForbiddenError,
    );
    expect(lines).toHaveLength(1);
    expect(JSON.parse(String(lines[0]?.[0]))).toMatchObject({
      event: 'whizbang.authorization.denied',
      principalId: 'eve',
    });
  });

  it('waits for an async audit, and fails with its error when it cannot record the denial', async () => {
    let fail = false;
    const recorded: string[] = [];
    const app = whizbang({
      store: memoryStore(),
      handlers: [handle(CancelOrder, () => undefined, { permissions: ['orders:cancel'] })],
      authorization: {
        audit: async (denial) => {
          await new Promise((resolve) => setTimeout(resolve, 1));
          if (fail) throw new Error('audit log unavailable');
          recorded.push(denial.messageType);
        },
      },
    });
    const send = () => app.send(CancelOrder({ orderId: 'a' }), { principal: { id: 'eve' } });
    await expect(send()).rejects.toSatisfy(isForbiddenError);
    expect(recorded).toEqual(['CancelOrder']);
    fail = true;
    await expect(send()).rejects.toThrow('audit log unavailable');
  });
});
