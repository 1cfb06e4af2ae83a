import { describe, expect, expectTypeOf, it } from 'vitest';
import { currentContext } from '../context/ambient-context.js';
import {
  isDuplicateHandlerError,
  isHandlerNotFoundError,
  isPublishError,
  isValidationError,
  type PublishError,
  type ValidationError,
} from '../errors/catalog.js';
import { defineCommand, defineEvent, defineQuery, type } from '../messages/define.js';
import { memoryStore } from '../memory/memory-store.js';
import { objectSchema } from '../test-support/tiny-schema.js';
import type { HandlerContext } from './handler-context.js';
import { handle } from './handlers.js';
import { Mediator } from './mediator.js';
import type { Middleware } from './middleware.js';

const Add = defineCommand('Add', { data: type<{ a: number; b: number }>(), result: type<number>() });
const Echo = defineQuery('Echo', { data: type<{ text: string }>(), result: type<string>() });
const Happened = defineEvent('Happened', { data: type<{ n: number }>(), schemaVersion: 2 });
const Register = defineCommand('Register', {
  schema: objectSchema<{ name: string; age: number }>({ name: 'string', age: 'positive' }, { trim: true }),
  result: type<string>(),
});

const store = memoryStore();

describe('Mediator: send and query', () => {
  it('routes a command to its one handler and resolves to its typed result', async () => {
    const m = new Mediator({ store, handlers: [handle(Add, (c) => c.data.a + c.data.b)] });
    const sum = await m.send(Add({ a: 2, b: 3 }));
    expect(sum).toBe(5);
    expectTypeOf(sum).toEqualTypeOf<number>();
  });

  it('routes a query to its handler', async () => {
    const m = new Mediator({ store, handlers: [handle(Echo, async (q) => q.data.text.toUpperCase())] });
    await expect(m.query(Echo({ text: 'hi' }))).resolves.toBe('HI');
  });

  it('rejects a command without a handler with HandlerNotFoundError', async () => {
    const error = await new Mediator({ store }).send(Add({ a: 1, b: 1 })).catch((e: unknown) => e);
    expect(isHandlerNotFoundError(error)).toBe(true);
    expect(error).toMatchObject({ messageType: 'Add', kind: 'command' });
  });

  it('refuses a second handler for a command at registration', () => {
    const first = handle(Add, () => 1);
    const second = handle(Add, () => 2);
    let caught: unknown;
    try {
      void new Mediator({ store, handlers: [first, second] });
    } catch (error) {
      caught = error;
    }
    expect(isDuplicateHandlerError(caught)).toBe(true);
  });

  it('refuses one type name used for two kinds', () => {
    const AddQuery = defineQuery('Add', { result: type<number>() });
    expect(
      () => new Mediator({ store, handlers: [handle(Add, () => 1), handle(AddQuery, () => 2)] }),
    ).toThrow(/already registered as a command/);
  });

  it('turns a synchronous throw in a handler into a rejection', async () => {
    const m = new Mediator({
      store,
      handlers: [
        handle(Add, () => {
          throw new Error('nope');
        }),
      ],
    });
    await expect(m.send(Add({ a: 1, b: 1 }))).rejects.toThrow('nope');
  });

  it('rejects a value that is not a message', async () => {
    const m = new Mediator({ store, handlers: [handle(Add, () => 1)] });
    await expect(m.send(null as never)).rejects.toThrow(TypeError);
  });
});

describe('Mediator: validation', () => {
  it('rejects invalid data with every issue listed and never calls the handler', async () => {
    let called = false;
    const m = new Mediator({ store, handlers: [handle(Register, () => ((called = true), 'ok'))] });
    const error = (await m
      .send(Register({ name: 42 as never, age: -1 }))
      .catch((e: unknown) => e)) as ValidationError;
    expect(isValidationError(error)).toBe(true);
    expect(error.issues).toEqual([
      { message: 'expected a string', path: ['name'] },
      { message: 'expected a positive number', path: ['age'] },
    ]);
    expect(error.subject).toBe('Register');
    expect(called).toBe(false);
  });

  it('hands the handler the parsed (transformed) data', async () => {
    const m = new Mediator({ store, handlers: [handle(Register, (c) => c.data.name)] });
    await expect(m.send(Register({ name: '  Ada ', age: 36 }))).resolves.toBe('Ada');
  });

  it('works with asynchronous schemas', async () => {
    const Async = defineCommand('Async', {
      schema: objectSchema<{ name: string }>({ name: 'string' }, { async: true }),
    });
    const m = new Mediator({ store, handlers: [handle(Async, () => undefined)] });
    await expect(m.send(Async({ name: 'x' }))).resolves.toBeUndefined();
    await expect(m.send(Async({ name: 1 as never }))).rejects.toSatisfy(isValidationError);
  });
});

describe('Mediator: publish', () => {
  it('runs every handler of an event, in registration order', async () => {
    const seen: string[] = [];
    const m = new Mediator({
      store,
      handlers: [
        handle(Happened, (e) => void seen.push(`a${e.data.n}`)),
        handle(Happened, async (e) => void seen.push(`b${e.data.n}`)),
      ],
    });
    await m.publish(Happened({ n: 1 }));
    expect(seen).toEqual(['a1', 'b1']);
  });

  it('isolates handlers: one failure does not stop the others, and all failures are reported', async () => {
    const seen: string[] = [];
    const m = new Mediator({
      store,
      handlers: [
        handle(Happened, () => Promise.reject(new Error('first broke')), { name: 'first' }),
        handle(Happened, () => void seen.push('second ran'), { name: 'second' }),
        handle(Happened, () => Promise.reject(new Error('third broke')), { name: 'third' }),
      ],
    });
    const error = (await m.publish(Happened({ n: 1 })).catch((e: unknown) => e)) as PublishError;
    expect(seen).toEqual(['second ran']);
    expect(isPublishError(error)).toBe(true);
    expect(error.failures.map((f) => f.handler)).toEqual(['first', 'third']);
    expect(error.message).toContain('first broke');
  });

  it('resolves when nobody listens', async () => {
    await expect(new Mediator({ store }).publish(Happened({ n: 1 }))).resolves.toBeUndefined();
  });

  it('stamps the event schema version in the envelope', async () => {
    let version: number | undefined;
    const m = new Mediator({
      store,
      handlers: [handle(Happened, (e) => void (version = e.metadata.schemaVersion))],
    });
    await m.publish(Happened({ n: 1 }));
    expect(version).toBe(2);
  });
});

describe('Mediator: middleware', () => {
  it('wraps every kind, global outside per-handler, in declared order', async () => {
    const trail: string[] = [];
    const tag =
      (name: string): Middleware =>
      async (ctx, next) => {
        trail.push(`${name}:${ctx.kind}:${ctx.message.type}`);
        return next();
      };
    const m = new Mediator({
      store,
      middleware: [tag('g1'), tag('g2')],
      handlers: [
        handle(Add, () => 1, { middleware: [tag('local')] }),
        handle(Echo, () => 'x'),
        handle(Happened, () => undefined),
      ],
    });
    await m.send(Add({ a: 1, b: 1 }));
    await m.query(Echo({ text: '' }));
    await m.publish(Happened({ n: 1 }));
    expect(trail).toEqual([
      'g1:command:Add',
      'g2:command:Add',
      'local:command:Add',
      'g1:query:Echo',
      'g2:query:Echo',
      'g1:event:Happened',
      'g2:event:Happened',
    ]);
  });

  it('can change the result', async () => {
    const double: Middleware = async (_ctx, next) => ((await next()) as number) * 2;
    const m = new Mediator({
      store,
      middleware: [double],
      handlers: [handle(Add, (c) => c.data.a + c.data.b)],
    });
    await expect(m.send(Add({ a: 1, b: 2 }))).resolves.toBe(6);
  });
});

describe('Mediator: execution context', () => {
  const Outer = defineCommand('Outer', { result: type<HandlerContext>() });
  const Inner = defineCommand('Inner', { result: type<HandlerContext>() });
  const InnerQuery = defineQuery('InnerQuery', { result: type<HandlerContext>() });

  it('starts a journey: a root message is its own correlation id, with no cause', async () => {
    const m = new Mediator({ store, handlers: [handle(Inner, (_c, ctx) => ctx)] });
    const ctx = await m.send(Inner({}));
    expect(ctx.correlationId).toBe(ctx.message.id);
    expect(ctx.causationId).toBeUndefined();
    expect(ctx.message.metadata.timestamp).toBeGreaterThan(Date.now() - 5_000);
    expect(ctx.store).toBe(store);
  });

  it('takes tenant, principal, correlation and trace context from the caller', async () => {
    const m = new Mediator({ store, handlers: [handle(Inner, (_c, ctx) => ctx)] });
    const principal = { id: 'u1', roles: ['admin'] };
    const ctx = await m.send(Inner({}, { id: 'cmd-1', headers: { h: 'v' } }), {
      tenantId: 'acme',
      principal,
      correlationId: 'corr-1',
      causationId: 'http-1',
      traceparent: '00-abc-def-01',
    });
    expect(ctx).toMatchObject({
      tenantId: 'acme',
      principal,
      correlationId: 'corr-1',
      causationId: 'http-1',
      traceparent: '00-abc-def-01',
    });
    expect(ctx.message.id).toBe('cmd-1');
    expect(ctx.headers).toEqual({ h: 'v' });
  });

  it('passes the context on through ctx.send and ctx.query, with the current message as cause', async () => {
    let outerCtx: HandlerContext | undefined;
    const m = new Mediator({
      store,
      handlers: [
        handle(Outer, (_c, ctx) => ((outerCtx = ctx), ctx.send(Inner({})))),
        handle(Inner, (_c, ctx) => ctx.query(InnerQuery({}))),
        handle(InnerQuery, (_q, ctx) => ctx),
      ],
    });
    const inner = await m.send(Outer({}), { tenantId: 't1', principal: { id: 'p' }, traceparent: 'tp' });
    expect(inner.kind).toBe('query');
    expect(inner.correlationId).toBe(outerCtx!.message.id);
    expect(inner.tenantId).toBe('t1');
    expect(inner.principal).toEqual({ id: 'p' });
    expect(inner.traceparent).toBe('tp');
    // Inner's id caused the query; Outer's id caused Inner.
    expect(inner.causationId).not.toBe(outerCtx!.message.id);
    expect(inner.causationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('exposes the context through AsyncLocalStorage only when asked to', async () => {
    const Probe = defineQuery('Probe', { result: type<string | undefined>() });
    const readAmbient = async () => {
      await Promise.resolve();
      return currentContext()?.tenantId;
    };
    const on = new Mediator({ store, ambientContext: true, handlers: [handle(Probe, readAmbient)] });
    const off = new Mediator({ store, handlers: [handle(Probe, readAmbient)] });
    await expect(on.query(Probe({}), { tenantId: 'acme' })).resolves.toBe('acme');
    await expect(off.query(Probe({}), { tenantId: 'acme' })).resolves.toBeUndefined();
  });
});
