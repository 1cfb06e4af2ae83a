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
import { attempt, type Attempted } from './attempts.js';
import type { Projection, ProjectionContext } from './define-projection.js';
import { loadStates, removeStates, saveStates, type ReadModelTarget } from './read-model-target.js';

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
}

interface Slot {
  readonly tenantId: string;
  readonly id: string;
  /** Undefined while the document does not exist. */
  state: unknown;
  readonly stored: boolean;
  dirty: boolean;
}

const slotKey = (tenantId: string, id: string) => `${tenantId}\u0000${id}`;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += MAX_BULK) out.push(items.slice(i, i + MAX_BULK));
  return out;
}

async function loadSlots(
  projection: Projection,
  events: readonly RecordedEvent[],
  session: StoreSession,
  target: ReadModelTarget,
): Promise<Map<string, Slot>> {
  const wanted = new Map<string, Set<string>>();
  for (const event of events) {
    for (const id of projection.identify(event)) {
      let ids = wanted.get(event.tenantId);
      if (!ids) wanted.set(event.tenantId, (ids = new Set()));
      ids.add(id);
    }
  }
  const slots = new Map<string, Slot>();
  for (const [tenantId, ids] of wanted) {
    for (const chunk of chunks([...ids])) {
      const found = await loadStates(session, target, tenantId, chunk);
      for (const doc of found)
        slots.set(slotKey(tenantId, doc.id), {
          tenantId,
          id: doc.id,
          state: doc.data,
          stored: true,
          dirty: false,
        });
    }
    for (const id of ids) {
      const key = slotKey(tenantId, id);
      if (!slots.has(key)) slots.set(key, { tenantId, id, state: undefined, stored: false, dirty: false });
    }
  }
  return slots;
}

/** Runs the event's handler for each document it touches; all or nothing, retried by policy. */
function runHandlers(
  projection: Projection,
  event: RecordedEvent,
  targets: readonly Slot[],
  session: StoreSession,
  options: ApplyOptions,
): Promise<Attempted<unknown[]>> {
  const handler = projection.handlerFor(event.type)!;
  // Inline handlers run inside the writer's transaction: fail it at once rather than sleep in it.
  const maxAttempts = options.mode === 'inline' ? 1 : projection.errors.maxAttempts;
  return attempt(
    async () => {
      const next: unknown[] = [];
      for (const slot of targets) {
        const context: ProjectionContext = { id: slot.id, replaying: options.replaying ?? false, session };
        const current = slot.state === undefined ? projection.initialFor(slot.id) : slot.state;
        next.push(await handler(current, event, context));
      }
      return next;
    },
    { maxAttempts, backoffMs: projection.errors.backoffMs },
    options.signal,
  );
}

async function flush(
  target: ReadModelTarget,
  slots: Map<string, Slot>,
  session: StoreSession,
): Promise<number> {
  const byTenant = new Map<string, { puts: { id: string; data: unknown }[]; deletes: string[] }>();
  for (const slot of slots.values()) {
    if (!slot.dirty || (slot.state === undefined && !slot.stored)) continue;
    let changes = byTenant.get(slot.tenantId);
    if (!changes) byTenant.set(slot.tenantId, (changes = { puts: [], deletes: [] }));
    if (slot.state === undefined) changes.deletes.push(slot.id);
    else changes.puts.push({ id: slot.id, data: slot.state });
  }
  let written = 0;
  for (const [tenantId, { puts, deletes }] of byTenant) {
    for (const chunk of chunks(puts)) await saveStates(session, target, tenantId, chunk);
    for (const chunk of chunks(deletes)) await removeStates(session, target, tenantId, chunk);
    written += puts.length + deletes.length;
  }
  return written;
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
  const slots = await loadSlots(projection, events, session, target);
  const failed: FailedEvent[] = [];
  let applied = 0;
  let consumed = 0;
  let stoppedAt: FailedEvent | undefined;
  for (const event of events) {
    const ids = projection.identify(event);
    if (ids.length > 0) {
      const targets = ids.map((id) => slots.get(slotKey(event.tenantId, id))!);
      const outcome = await runHandlers(projection, event, targets, session, options);
      if (!outcome.ok) {
        const failure = { event, error: outcome.error, attempts: outcome.attempts };
        if (options.mode === 'inline')
          throw new ProjectionFailedError(
            projection.name,
            event.id,
            event.type,
            event.stream,
            event.tenantId,
            outcome.error,
          );
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
  const documentsWritten = await flush(target, slots, session);
  return { consumed, applied, documentsWritten, failed, ...(stoppedAt && { stoppedAt }) };
}
