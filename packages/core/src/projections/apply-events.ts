/**
 * Applies a batch of events to a projection's documents through one session: load every
 * document the batch touches in one round trip per tenant, run the handlers in memory, then
 * write each changed document once. The caller owns the transaction, so the writes commit
 * with whatever else it does (the append, the checkpoint).
 */
import { ProjectionFailedError } from '../errors/catalog.js';
import type { RecordedEvent } from '../event-store/types.js';
import { MAX_BULK } from '../store/port-input.js';
import type { StoreSession } from '../store/ports.js';
import { sleep } from '../async/sleep.js';
import { attempt, type Attempted } from './attempts.js';
import { cachedDocument, cachedState, type CachedDocument, type DocumentCache } from './document-cache.js';
import type { Projection } from './define-projection.js';
import {
  loadStates,
  removeStates,
  saveStates,
  type ReadModelTarget,
  type StoredState,
} from './read-model-target.js';

/** The error of a projection whose handler kept failing on `event`. */
export const projectionFailed = (projection: Projection, event: RecordedEvent, error: unknown) =>
  new ProjectionFailedError(projection.name, event.id, event.type, event.stream, event.tenantId, error);

/** An event a handler kept failing on. */
export interface FailedEvent {
  readonly event: RecordedEvent;
  readonly error: unknown;
  readonly attempts: number;
}

export interface BatchResult {
  /** How many events of the batch were consumed: applied, dead-lettered or not handled. */
  readonly consumed: number;
  /** Events whose handlers ran. */
  readonly applied: number;
  readonly documentsWritten: number;
  /** Events to dead-letter (policy `'dead-letter'`); their changes were left out. */
  readonly failed: readonly FailedEvent[];
  /** With a `cache`: the documents written, for the cache to remember once they commit. */
  readonly written: readonly CachedDocument[];
  /**
   * With a `cache`: cached documents the batch handed to its handlers but did not write. A
   * handler may have changed one in place (and returned nothing): the cache must let it go.
   */
  readonly unwritten: readonly { readonly tenantId: string; readonly id: string }[];
  /** With policy `'stop'`: the event the projection stopped at; it and later events were left out. */
  readonly stoppedAt?: FailedEvent;
}

export interface ApplyOptions {
  /** Where the read model goes (default: the projection's declared collection or table). */
  readonly target?: ReadModelTarget;
  /** Inline projections throw `ProjectionFailedError` on the first failure, after retries. */
  readonly mode: 'inline' | 'daemon';
  readonly replaying?: boolean;
  readonly signal?: AbortSignal;
  /**
   * Write each document only if it is still at the version read (documents, not tables):
   * for writers that do not lock what they read, so that a concurrent change fails the batch
   * (`DocumentConflictError`) rather than being overwritten. Implied by `cache`.
   */
  readonly checkVersions?: boolean;
  /** Documents of earlier batches to use instead of reading them (see `DocumentCache`). */
  readonly cache?: DocumentCache;
  /**
   * Runs once the handlers are done and before anything is written, with what the batch
   * consumed: the daemon moves its checkpoint here, so that it takes the checkpoint's row
   * before any document's (see `rebuildTenant` for why the order matters).
   */
  readonly beforeWrite?: (folded: {
    readonly consumed: number;
    readonly stoppedAt?: FailedEvent;
  }) => Promise<void>;
}

interface Slot {
  readonly tenantId: string;
  readonly id: string;
  /** Undefined while the document does not exist. */
  state: unknown;
  /** Whether the store has it (so removing it means deleting). */
  stored: boolean;
  /** The stored version (0 while not stored). */
  version: number;
  dirty: boolean;
  /** Whether `state` is the cache's own object (see `DocumentCache`). */
  cached: boolean;
}

const slotKey = (tenantId: string, id: string) => `${tenantId}\u0000${id}`;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += MAX_BULK) out.push(items.slice(i, i + MAX_BULK));
  return out;
}

/**
 * The slots each event touches (none when the projection ignores it): from the cache if it
 * has them, the rest loaded in one round trip per tenant.
 */
async function loadSlots(
  projection: Projection,
  events: readonly RecordedEvent[],
  session: StoreSession,
  target: ReadModelTarget,
  options: ApplyOptions,
): Promise<{ slots: Map<string, Slot>; touched: (readonly Slot[] | undefined)[] }> {
  const slots = new Map<string, Slot>();
  const missing = new Map<string, string[]>();
  const cache = target.kind === 'documents' ? options.cache : undefined;
  const touched = events.map((event) => {
    const ids = projection.identify(event);
    if (ids.length === 0) return undefined;
    return ids.map((id) => {
      const key = slotKey(event.tenantId, id);
      let slot = slots.get(key);
      if (!slot) {
        const cached = cache?.get(event.tenantId, id);
        slot = {
          tenantId: event.tenantId,
          id,
          state: cached && cachedState(cached),
          stored: cached?.kept !== undefined,
          version: cached?.version ?? 0,
          dirty: false,
          cached: cached?.kept !== undefined && 'object' in cached.kept,
        };
        slots.set(key, slot);
        if (!cached) {
          let unloaded = missing.get(event.tenantId);
          if (!unloaded) missing.set(event.tenantId, (unloaded = []));
          unloaded.push(id);
        }
      }
      return slot;
    });
  });
  // Inline projections run in their writers' transactions, concurrently: each holds the
  // documents it reads until it commits, so none overwrites another's update. (A daemon shard
  // is its documents' only writer, and checks their versions as it writes.)
  const lock = options.mode === 'inline';
  for (const [tenantId, ids] of missing) {
    for (const chunk of chunks(ids)) {
      for (const found of await loadStates(session, target, tenantId, chunk, lock)) {
        const slot = slots.get(slotKey(tenantId, found.id))!;
        slot.state = found.data;
        slot.stored = true;
        slot.version = found.version ?? 0;
      }
    }
  }
  return { slots, touched };
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as { then?: unknown } | null | undefined)?.then === 'function';

/**
 * What the handler makes of each document the event touches. Synchronous handlers (most of
 * them) are run without a promise per event; the first promise a handler returns switches
 * to awaiting.
 */
function nextStates(
  projection: Projection,
  event: RecordedEvent,
  targets: readonly Slot[],
  session: StoreSession,
  replaying: boolean,
): unknown[] | Promise<unknown[]> {
  const handler = projection.handlerFor(event.type)!;
  const next: unknown[] = [];
  for (const [i, slot] of targets.entries()) {
    const current = slot.state === undefined ? projection.initialFor(slot.id) : slot.state;
    const result = handler(current, event, { id: slot.id, replaying, session });
    if (isThenable(result)) return awaitRest(result, i);
    next.push(result);
  }
  return next;

  async function awaitRest(pending: PromiseLike<unknown>, from: number): Promise<unknown[]> {
    next.push(await pending);
    for (const slot of targets.slice(from + 1)) {
      const current = slot.state === undefined ? projection.initialFor(slot.id) : slot.state;
      next.push(await handler(current, event, { id: slot.id, replaying, session }));
    }
    return next;
  }
}

/** Runs the event's handler for each document it touches; all or nothing, retried by policy. */
function runHandlers(
  projection: Projection,
  event: RecordedEvent,
  targets: readonly Slot[],
  session: StoreSession,
  options: ApplyOptions,
): Attempted<unknown[]> | Promise<Attempted<unknown[]>> {
  // The usual case, first time right, allocates no retry machinery and no promise.
  try {
    const value = nextStates(projection, event, targets, session, options.replaying ?? false);
    if (!isThenable(value)) return { ok: true, value };
    return value.then(
      (v) => ({ ok: true, value: v }),
      (error: unknown) => retryHandlers(projection, event, targets, session, options, error),
    );
  } catch (error) {
    return retryHandlers(projection, event, targets, session, options, error);
  }
}

/** After a first failure: the remaining attempts, with back-off, by the projection's policy. */
async function retryHandlers(
  projection: Projection,
  event: RecordedEvent,
  targets: readonly Slot[],
  session: StoreSession,
  options: ApplyOptions,
  error: unknown,
): Promise<Attempted<unknown[]>> {
  // Inline handlers run inside the writer's transaction: fail it at once rather than sleep in it.
  const maxAttempts = options.mode === 'inline' ? 1 : projection.errors.maxAttempts;
  if (maxAttempts === 1) return { ok: false, error, attempts: 1 };
  const { backoffMs } = projection.errors;
  await sleep(Math.min(5_000, backoffMs), options.signal);
  const retried = await attempt(
    () => nextStates(projection, event, targets, session, options.replaying ?? false),
    { maxAttempts: maxAttempts - 1, backoffMs: backoffMs * 2 },
    options.signal,
  );
  return retried.ok ? retried : { ...retried, attempts: retried.attempts + 1 };
}

/** Writes each changed document once; returns what was written, for the cache. */
async function flush(
  target: ReadModelTarget,
  slots: Map<string, Slot>,
  session: StoreSession,
  options: ApplyOptions,
): Promise<{ count: number; written: CachedDocument[]; unwritten: Slot[] }> {
  const checked = options.checkVersions === true || options.cache !== undefined;
  const byTenant = new Map<string, { puts: StoredState[]; deletes: StoredState[] }>();
  const changed: Slot[] = [];
  const unwritten: Slot[] = [];
  for (const slot of slots.values()) {
    if (!slot.dirty || (slot.state === undefined && !slot.stored)) {
      if (slot.cached) unwritten.push(slot);
      continue;
    }
    changed.push(slot);
    let changes = byTenant.get(slot.tenantId);
    if (!changes) byTenant.set(slot.tenantId, (changes = { puts: [], deletes: [] }));
    const version = checked ? slot.version : undefined;
    if (slot.state === undefined) changes.deletes.push({ id: slot.id, data: undefined, version });
    else changes.puts.push({ id: slot.id, data: slot.state, version });
  }
  let count = 0;
  for (const [tenantId, { puts, deletes }] of byTenant) {
    for (const chunk of chunks(puts)) await saveStates(session, target, tenantId, chunk);
    for (const chunk of chunks(deletes)) await removeStates(session, target, tenantId, chunk);
    count += puts.length + deletes.length;
  }
  // Only what the store took: it has refused whatever JSON could not carry.
  const written =
    options.cache !== undefined && target.kind === 'documents'
      ? changed.map(({ tenantId, id, state, version }) =>
          state === undefined
            ? cachedDocument(tenantId, id, 0, undefined)
            : cachedDocument(tenantId, id, version + 1, state),
        )
      : [];
  return { count, written, unwritten };
}

/**
 * Applies `events` (in log order) to the projection's documents through `session`.
 * @throws ProjectionFailedError in `'inline'` mode when a handler fails after its retries.
 */
export async function applyEvents(
  projection: Projection,
  events: readonly RecordedEvent[],
  session: StoreSession,
  options: ApplyOptions,
): Promise<BatchResult> {
  const target = options.target ?? projection.target;
  const { slots, touched } = await loadSlots(projection, events, session, target, options);
  const failed: FailedEvent[] = [];
  let applied = 0;
  let consumed = 0;
  let stoppedAt: FailedEvent | undefined;
  for (const [index, event] of events.entries()) {
    const targets = touched[index];
    if (targets) {
      const pending = runHandlers(projection, event, targets, session, options);
      const outcome = isThenable(pending) ? await pending : pending;
      if (!outcome.ok) {
        const failure = { event, error: outcome.error, attempts: outcome.attempts };
        if (options.mode === 'inline') throw projectionFailed(projection, event, outcome.error);
        if (projection.errors.onFailure === 'stop') {
          stoppedAt = failure;
          break;
        }
        failed.push(failure);
      } else {
        outcome.value.forEach((next, i) => {
          if (next === undefined) return;
          const slot = targets[i]!;
          slot.state = next === null ? undefined : next;
          slot.dirty = true;
        });
        applied++;
      }
    }
    consumed++;
  }
  await options.beforeWrite?.({ consumed, ...(stoppedAt && { stoppedAt }) });
  const { count, written, unwritten } = await flush(target, slots, session, options);
  return {
    consumed,
    applied,
    documentsWritten: count,
    failed,
    written,
    unwritten,
    ...(stoppedAt && { stoppedAt }),
  };
}
