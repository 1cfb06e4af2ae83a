/**
 * The repository pattern as two functions: `aggregateStream` loads a stream (from a snapshot
 * when one fits) and folds it into state; `handleCommand` loads, decides, appends with the
 * loaded version as the expected version, and retries when another writer got there first.
 */
import type { AppendMetadata, AppendOptions } from '../event-store/types.js';
import type { Command, Event } from '../messages/define.js';
import type { HandlerContext } from '../mediator/handler-context.js';
import type { StoreSession } from '../store/ports.js';
import { isStore } from '../tenancy/scoped-session.js';
import { foldEvents, toEventArray, type Decider } from './decider.js';
import { retryOnConflict, type RetryPolicy } from './retry.js';

/** Snapshots for one aggregate type: saved every `every` events, in shape version `schemaVersion`. */
export interface SnapshotPolicy {
  readonly every: number;
  /** Bump when the state's shape changes: older snapshots are then ignored and rebuilt. */
  readonly schemaVersion: number;
}

export interface AggregateOptions {
  readonly tenantId?: string;
  readonly snapshot?: SnapshotPolicy;
}

export interface AggregateState<S> {
  readonly state: S;
  /** The stream version folded up to (0 if the stream does not exist). */
  readonly version: number;
  /** Whether the load started from a snapshot. */
  readonly fromSnapshot: boolean;
}

export interface HandleCommandOptions extends AggregateOptions {
  /**
   * How often a conflict reloads and decides again (default 10 attempts). Only on a store: in a
   * transaction (a unit of work's, a consumer's) the conflict goes to whoever runs it, once.
   */
  readonly retry?: RetryPolicy;
  /** Correlation and causation for the events when not called with a handler context. */
  readonly metadata?: AppendMetadata;
}

export interface HandleCommandResult<E extends Event, S> {
  readonly state: S;
  readonly newEvents: readonly E[];
  readonly nextExpectedVersion: number;
  readonly createdStream: boolean;
}

type Session = StoreSession | HandlerContext;

function isHandlerContext(session: Session): session is HandlerContext {
  return 'message' in session && 'store' in session;
}

function sessionOf(session: Session): StoreSession {
  return isHandlerContext(session) ? session.store : session;
}

/**
 * The append options a handler's context implies: its tenant, and metadata naming the
 * current message as the cause, within the same correlation and trace. Use it when appending
 * outside `handleCommand`, so no event loses its journey.
 * @example
 * await ctx.store.events.appendToStreams(appends, appendOptionsFrom(ctx));
 */
export function appendOptionsFrom(ctx: HandlerContext): Omit<AppendOptions, 'expectedVersion'> {
  const metadata: AppendMetadata = {
    correlationId: ctx.correlationId,
    causationId: ctx.message.id,
    ...(ctx.tenantId !== undefined && { tenantId: ctx.tenantId }),
    ...(ctx.principal !== undefined && { principal: ctx.principal }),
    ...(ctx.traceparent !== undefined && { traceparent: ctx.traceparent }),
    ...(ctx.tracestate !== undefined && { tracestate: ctx.tracestate }),
  };
  return { metadata, ...(ctx.tenantId !== undefined && { tenantId: ctx.tenantId }) };
}

/** The tenant and metadata for `handleCommand`'s append: from the context, overridden by options. */
function contextOf(
  session: Session,
  options: HandleCommandOptions,
): { tenantId?: string; metadata?: AppendMetadata } {
  const fromContext = isHandlerContext(session) ? appendOptionsFrom(session) : {};
  const tenantId = options.tenantId ?? fromContext.tenantId;
  const metadata =
    fromContext.metadata || options.metadata ? { ...fromContext.metadata, ...options.metadata } : undefined;
  return { ...(tenantId !== undefined && { tenantId }), ...(metadata && { metadata }) };
}

/**
 * Loads a stream and folds it into state, starting from a snapshot when the policy's schema
 * version matches the stored one.
 * @example
 * const { state, version } = await aggregateStream(store, 'order-1', orderDecider);
 */
export async function aggregateStream<E extends Event, S>(
  session: Session,
  stream: string,
  decider: Pick<Decider<Command, E, S>, 'initialState' | 'evolve'>,
  options: AggregateOptions = {},
): Promise<AggregateState<S>> {
  const store = sessionOf(session);
  const tenantId = options.tenantId ?? (isHandlerContext(session) ? session.tenantId : undefined);
  const tenant = tenantId !== undefined ? { tenantId } : {};
  let state = decider.initialState();
  let from = 1;
  let fromSnapshot = false;
  if (options.snapshot) {
    const snapshot = await store.snapshots.load<S>(stream, tenant);
    if (snapshot && snapshot.schemaVersion === options.snapshot.schemaVersion) {
      state = snapshot.state;
      from = snapshot.version + 1;
      fromSnapshot = true;
    }
  }
  const slice = await store.events.readStream(stream, { from, ...tenant });
  state = foldEvents(decider, slice.events as unknown as E[], state);
  return { state, version: slice.version, fromSnapshot };
}

/**
 * Loads the aggregate, runs `decide`, and appends the new events expecting the loaded
 * version; on a concurrency conflict it reloads and decides again (see `retry`), unless it runs
 * in a transaction, whose owner then runs the whole of it again.
 * Pass the handler's `ctx` so the events carry its tenant, correlation and causation.
 * @example
 * handle(ConfirmOrder, (command, ctx) =>
 *   handleCommand(ctx, `order-${command.data.orderId}`, orderDecider, command));
 */
export async function handleCommand<C extends Command, E extends Event, S>(
  session: Session,
  stream: string,
  decider: Decider<C, E, S>,
  command: C,
  options: HandleCommandOptions = {},
): Promise<HandleCommandResult<E, S>> {
  const store = sessionOf(session);
  const { tenantId, metadata } = contextOf(session, options);
  const tenant = tenantId !== undefined ? { tenantId } : {};
  const signal = isHandlerContext(session) ? session.signal : undefined;
  return retryOnConflict(
    async () => {
      const loaded = await aggregateStream(store, stream, decider, { ...options, ...tenant });
      const newEvents = toEventArray(decider.decide(command, loaded.state));
      if (newEvents.length === 0) {
        return { state: loaded.state, newEvents, nextExpectedVersion: loaded.version, createdStream: false };
      }
      const state = foldEvents(decider, newEvents, loaded.state);
      const result = await store.events.appendToStream(stream, newEvents, {
        expectedVersion: loaded.version,
        ...tenant,
        ...(metadata && { metadata }),
      });
      const policy = options.snapshot;
      if (
        policy &&
        Math.floor(result.nextExpectedVersion / policy.every) > Math.floor(loaded.version / policy.every)
      ) {
        // A snapshot is a cache: the events are already committed, so failing to save one must
        // not fail the command; the next load folds from the stream and saves it again.
        await store.snapshots
          .save({
            stream,
            version: result.nextExpectedVersion,
            schemaVersion: policy.schemaVersion,
            state,
            ...tenant,
          })
          .catch(() => undefined);
      }
      return {
        state,
        newEvents,
        nextExpectedVersion: result.nextExpectedVersion,
        createdStream: result.createdStream,
      };
    },
    // In a transaction it does not own, a conflict goes to the transaction's owner: the
    // transaction failed (on PostgreSQL it is aborted), and only running it again whole helps.
    isStore(store) ? options.retry : { ...options.retry, maxAttempts: 1 },
    signal,
  );
}
