/**
 * The context a handler and its middleware receive. Messages sent through it inherit the
 * tenant, principal, correlation id and trace context, and name the current message as their
 * cause, so one journey can be followed end to end.
 */
import type { ExecutionContext } from '../context/execution-context.js';
import { retryOnConflict, type RetryPolicy } from '../deciders/retry.js';
import type { Command, Event, MessageKind, Query, ResultOf } from '../messages/define.js';
import type { Envelope, Principal } from '../messages/envelope.js';
import type { StoreSession } from '../store/ports.js';
import { isStore, scopeSession } from '../tenancy/scoped-session.js';
import type { Logger } from '../observability/logger.js';
import type { Telemetry } from '../observability/telemetry.js';

/** What a context needs from the mediator; kept narrow to avoid a cycle. */
export interface Dispatcher {
  dispatch(kind: MessageKind, message: Command | Query | Event, parent: HandlerContext): Promise<unknown>;
  readonly telemetry: Telemetry;
}

export interface HandlerContext extends ExecutionContext {
  /** The kind of message being handled. */
  readonly kind: MessageKind;
  /** The message being handled, with its id and metadata. */
  readonly message: Envelope;
  /**
   * The store to read and write through (a transaction when the unit-of-work middleware runs).
   * For a message with a tenant, it is that tenant's view: calls that name no tenant get it,
   * calls that name another throw `CrossTenantAccessError`, unless the handler runs as system.
   */
  readonly store: StoreSession;
  readonly signal: AbortSignal | undefined;
  /**
   * The app's logger, every line of which carries this message's correlation and causation ids,
   * tenant, type, id and trace id.
   * @example
   * ctx.log.info({ orderId }, 'order placed');
   */
  readonly log: Logger;
  /** Sends a command as a consequence of the current message. */
  send<C extends Command>(command: C): Promise<ResultOf<C>>;
  /** Asks a query within the current journey. */
  query<Q extends Query>(query: Q): Promise<ResultOf<Q>>;
  /** Publishes an event to its in-process handlers. */
  publish(event: Event): Promise<void>;
  /**
   * Runs `work` in one transaction, with a context whose `store` is that transaction (this
   * tenant's view of it) and whose messages leave with its commit: everything `work` writes
   * commits together, or nothing does. With `retry`, a conflict runs the whole transaction
   * again. Inside a transaction already (a consumer's, a unit of work's), that one holds the
   * work, and a conflict goes to whoever owns it: a transaction that failed cannot be retried
   * from within (on PostgreSQL it is aborted), only run again whole, as a consumer does with a
   * message. Where writers meet often, lock the streams the work writes first
   * (`uow.store.events.lockStreams`).
   * @example
   * await ctx.transaction(
   *   async (uow) => {
   *     await uow.store.events.lockStreams([`product-${sku}`]);
   *     const { version } = await aggregateStream(uow, `product-${sku}`, product);
   *     await handleCommand(uow, `product-${sku}`, product, Reserve({ sku, quantity }), { expectedVersion: version });
   *   },
   *   { retry: { maxAttempts: 5 } },
   * );
   */
  transaction<T>(
    work: (uow: HandlerContext) => Promise<T>,
    options?: { readonly retry?: RetryPolicy },
  ): Promise<T>;
}

/**
 * The one implementation: a small class, so a dispatch allocates no closures. The tenant's view
 * of the store is made only when a handler first reads `store`.
 */
export class DispatchContext implements HandlerContext {
  #store: StoreSession | undefined;
  #log: Logger | undefined;

  constructor(
    readonly kind: MessageKind,
    readonly message: Envelope,
    /** The unscoped session: what messages sent through this context are dispatched on. */
    readonly session: StoreSession,
    readonly signal: AbortSignal | undefined,
    readonly dispatcher: Dispatcher,
    /** Whether the handler runs as system, with the unscoped session as its store. */
    readonly system: boolean,
  ) {}

  get store(): StoreSession {
    if (this.#store !== undefined) return this.#store;
    const tenantId = this.message.metadata.tenantId;
    return (this.#store =
      this.system || tenantId === undefined ? this.session : scopeSession(this.session, tenantId));
  }

  get log(): Logger {
    return (this.#log ??= this.dispatcher.telemetry.logger.child(logBindings(this.message)));
  }

  get correlationId(): string {
    return this.message.metadata.correlationId;
  }
  get causationId(): string | undefined {
    return this.message.metadata.causationId;
  }
  get tenantId(): string | undefined {
    return this.message.metadata.tenantId;
  }
  get principal(): Principal | undefined {
    return this.message.metadata.principal;
  }
  get traceparent(): string | undefined {
    return this.message.metadata.traceparent;
  }
  get tracestate(): string | undefined {
    return this.message.metadata.tracestate;
  }
  get headers(): Readonly<Record<string, string>> | undefined {
    return this.message.metadata.headers;
  }

  send<C extends Command>(command: C): Promise<ResultOf<C>> {
    return this.dispatcher.dispatch('command', command, this) as Promise<ResultOf<C>>;
  }
  query<Q extends Query>(query: Q): Promise<ResultOf<Q>> {
    return this.dispatcher.dispatch('query', query, this) as Promise<ResultOf<Q>>;
  }
  publish(event: Event): Promise<void> {
    return this.dispatcher.dispatch('event', event, this) as Promise<void>;
  }
  transaction<T>(
    work: (uow: HandlerContext) => Promise<T>,
    options?: { readonly retry?: RetryPolicy },
  ): Promise<T> {
    const { session } = this;
    if (!isStore(session)) return work(this);
    const run = () =>
      session.transaction((tx) =>
        work(new DispatchContext(this.kind, this.message, tx, this.signal, this.dispatcher, this.system)),
      );
    return options?.retry === undefined ? run() : retryOnConflict(run, options.retry, this.signal);
  }
}

/** What every log line written while handling `message` carries. */
export function logBindings(message: Envelope): Record<string, unknown> {
  const meta = message.metadata;
  return {
    messageType: message.type,
    messageId: message.id,
    correlationId: meta.correlationId,
    ...(meta.causationId !== undefined && { causationId: meta.causationId }),
    ...(meta.tenantId !== undefined && { tenantId: meta.tenantId }),
    // traceparent is 00-<trace id>-<span id>-<flags>.
    ...(meta.traceparent !== undefined && {
      trace_id: meta.traceparent.slice(3, 35),
      span_id: meta.traceparent.slice(36, 52),
    }),
  };
}
