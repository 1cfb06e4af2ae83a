import { describe, expect, it } from 'vitest';
import { isMiddlewareError } from '../errors/catalog.js';
import type { HandlerContext } from './handler-context.js';
import { compose, type Middleware } from './middleware.js';

const ctx = { message: { type: 'T' } } as unknown as HandlerContext;

describe('compose', () => {
  it('returns the terminal itself when there is no middleware', () => {
    const terminal = () => Promise.resolve(1);
    expect(compose([], terminal)).toBe(terminal);
  });

  it('runs an onion: outer first on the way in, last on the way out', async () => {
    const trail: string[] = [];
    const mw =
      (name: string): Middleware =>
      async (_ctx, next) => {
        trail.push(`${name}>`);
        const result = await next();
        trail.push(`<${name}`);
        return result;
      };
    const run = compose([mw('a'), mw('b')], async () => (trail.push('handler'), 42));
    await expect(run(ctx)).resolves.toBe(42);
    expect(trail).toEqual(['a>', 'b>', 'handler', '<b', '<a']);
  });

  it('refuses a second next()', async () => {
    const twice: Middleware = async (_ctx, next) => {
      await next();
      return next();
    };
    let calls = 0;
    const error = await compose([twice], async () => ++calls)(ctx).catch((e: unknown) => e);
    expect(isMiddlewareError(error)).toBe(true);
    expect(calls).toBe(1);
  });

  it('lets middleware short-circuit and turns synchronous throws into rejections', async () => {
    const cached: Middleware = () => Promise.resolve('cached');
    await expect(compose([cached], () => Promise.reject(new Error('not reached')))(ctx)).resolves.toBe(
      'cached',
    );
    const broken: Middleware = () => {
      throw new Error('boom');
    };
    await expect(compose([broken], () => Promise.resolve(1))(ctx)).rejects.toThrow('boom');
  });
});
