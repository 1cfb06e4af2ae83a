/**
 * Ambient (implicit) context through AsyncLocalStorage, for code that runs outside handlers
 * and cannot be handed `ctx` (loggers, OpenTelemetry hooks, third-party callbacks).
 *
 * It is opt-in (`whizbang({ ambientContext: true })`) because `AsyncLocalStorage.run` costs
 * more than a whole dispatch; handlers should use the `ctx` they receive.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ExecutionContext } from './execution-context.js';

const storage = new AsyncLocalStorage<ExecutionContext>();

/**
 * The context of the message being handled, when ambient context is on; `undefined` otherwise.
 * @example
 * logger.info({ correlationId: currentContext()?.correlationId }, 'charging card');
 */
export function currentContext(): ExecutionContext | undefined {
  return storage.getStore();
}

/** Runs `fn` with `context` as the ambient context. */
export function runWithContext<T>(context: ExecutionContext, fn: () => T): T {
  return storage.run(context, fn);
}
