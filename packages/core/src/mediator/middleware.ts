/**
 * The middleware onion: `(ctx, next) => Promise<result>`. One pipeline serves commands,
 * queries and events. Pipelines are composed once per message type at registration, so a
 * dispatch only walks an array.
 */
import { MiddlewareError } from '../errors/catalog.js';
import type { HandlerContext } from './handler-context.js';

/** Runs around a handler; call `next()` at most once to continue inward. */
export type Middleware = (ctx: HandlerContext, next: () => Promise<unknown>) => Promise<unknown>;

/** The innermost step: the handler itself. */
export type Terminal = (ctx: HandlerContext) => Promise<unknown>;

/**
 * Composes middleware around `terminal`. Without middleware the terminal is returned as is,
 * so a plain dispatch pays nothing for the feature.
 */
export function compose(middleware: readonly Middleware[], terminal: Terminal): Terminal {
  if (middleware.length === 0) return terminal;
  const chain = middleware.slice();
  const last = chain.length;
  return (ctx) => {
    let reached = -1;
    const dispatch = (i: number): Promise<unknown> => {
      if (i <= reached)
        return Promise.reject(
          new MiddlewareError(
            `next() called more than once in middleware #${i - 1} for '${ctx.message.type}'`,
          ),
        );
      reached = i;
      if (i === last) return terminal(ctx);
      try {
        return chain[i]!(ctx, () => dispatch(i + 1));
      } catch (error) {
        return Promise.reject(error);
      }
    };
    return dispatch(0);
  };
}
