/**
 * Reactors: event handlers with side effects (send an e-mail, call a partner, publish to a
 * broker), run by the projection daemon on the same leased, checkpointed shards as async
 * projections, each with its own checkpoint. A side effect cannot share the checkpoint's
 * transaction, so delivery is at least once: after a crash between the effect and the
 * checkpoint, the event comes again; `ctx.idempotencyKey` is stable across those deliveries.
 * A new reactor starts at the head of the log, and rebuilds never run reactors, so history is
 * not re-enacted.
 */
import { ValidationError } from '../errors/catalog.js';
import { MAX_PARTITIONS } from '../event-store/partition.js';
import type { RecordedEvent } from '../event-store/types.js';
import type { Event } from '../messages/define.js';
import type { Store } from '../store/ports.js';
import type { EventOfType, ProjectionErrorPolicy } from './define-projection.js';

export interface ReactorContext {
  /** `<reactor>:<event id>`: the same for every delivery of this event to this reactor. */
  readonly idempotencyKey: string;
  /** 1 on the first try, then 2, 3… under the error policy. */
  readonly attempt: number;
  readonly store: Store;
  /** Aborts when the daemon stops or loses the shard. */
  readonly signal: AbortSignal;
}

export type ReactorHandler<E extends Event> = (
  event: RecordedEvent<E>,
  context: ReactorContext,
) => void | Promise<void>;

export type ReactorHandlers<E extends Event> = {
  readonly [T in E['type']]?: ReactorHandler<EventOfType<E, T>>;
};

export interface ReactorOptions<E extends Event> {
  readonly name: string;
  readonly handlers: ReactorHandlers<E>;
  /** Split by stream into this many partitions, each run on its own (default 1; order holds per stream). */
  readonly partitions?: number;
  /** Retries, then dead-letter (default) or stop; see `ProjectionErrorPolicy`. */
  readonly errors?: ProjectionErrorPolicy;
  /** `'now'` (default): only events appended after the reactor first ran; `'beginning'`: the whole log. */
  readonly startFrom?: 'now' | 'beginning';
}

export interface Reactor {
  readonly kind: 'reactor';
  readonly name: string;
  readonly eventTypes: readonly string[];
  readonly partitions: number;
  readonly errors: Required<ProjectionErrorPolicy>;
  readonly startFrom: 'now' | 'beginning';
  handlerFor(type: string): ReactorHandler<Event> | undefined;
}

const NAME = /^[A-Za-z0-9][\w.-]{0,99}$/;

function fail(message: string, path: string): never {
  throw new ValidationError([{ message, path: [path] }], 'defineReactor');
}

/**
 * Defines a reactor.
 * @example
 * export const shippingMails = defineReactor<OrderEvent>({
 *   name: 'shipping-mails',
 *   handlers: {
 *     OrderShipped: (e, ctx) => mailer.send({ to: e.data.customerId, key: ctx.idempotencyKey }),
 *   },
 * });
 */
export function defineReactor<E extends Event = Event>(options: ReactorOptions<E>): Reactor {
  if (typeof options.name !== 'string' || !NAME.test(options.name))
    fail('must be 1–100 letters, digits, `_`, `-` or `.`, starting with a letter or digit', 'name');
  const partitions = options.partitions ?? 1;
  if (!Number.isSafeInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS)
    fail(`must be an integer from 1 to ${MAX_PARTITIONS}`, 'partitions');
  const handlers = new Map<string, ReactorHandler<Event>>();
  for (const [type, handler] of Object.entries(options.handlers ?? {})) {
    if (typeof handler !== 'function') fail('must be a function', `handlers.${type}`);
    handlers.set(type, handler as ReactorHandler<Event>);
  }
  if (handlers.size === 0) fail('must handle at least one event type', 'handlers');
  const startFrom = options.startFrom ?? 'now';
  if (startFrom !== 'now' && startFrom !== 'beginning') fail("must be 'now' or 'beginning'", 'startFrom');
  const errors = options.errors ?? {};
  const maxAttempts = errors.maxAttempts ?? 3;
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 100)
    fail('must be an integer from 1 to 100', 'errors.maxAttempts');
  const onFailure = errors.onFailure ?? 'dead-letter';
  if (onFailure !== 'dead-letter' && onFailure !== 'stop')
    fail("must be 'dead-letter' or 'stop'", 'errors.onFailure');
  return Object.freeze({
    kind: 'reactor' as const,
    name: options.name,
    eventTypes: Object.freeze([...handlers.keys()]),
    partitions,
    errors: Object.freeze({ maxAttempts, backoffMs: errors.backoffMs ?? 50, onFailure }),
    startFrom,
    handlerFor: (type: string) => handlers.get(type),
  });
}
