/**
 * The outbox in memory. Claims hold until `claimedUntil`; a message is due once its
 * `deliverAt` has passed. Writes run under the store's writer lock, so two claims never
 * take the same message.
 */
import { compareCodePoints } from '../store/document-query-eval.js';
import { checkClaim, checkOutboxMessages, checkOwnedIds, checkRelease } from '../store/messaging-input.js';
import { checkLimit, checkName } from '../store/port-input.js';
import type {
  NewOutboxMessage,
  OutboxBacklog,
  OutboxClaimOptions,
  OutboxMessage,
  OutboxStore,
} from '../store/ports.js';
import type { Access } from './access.js';
import type { Draft } from './draft.js';
import type { OutboxRecord } from './state.js';

function toMessage(record: OutboxRecord): OutboxMessage {
  return {
    id: record.id,
    destination: record.destination,
    type: record.type,
    body: record.body,
    headers: JSON.parse(record.headersJson) as Record<string, string>,
    ...(record.key !== undefined && { key: record.key }),
    tenantId: record.tenantId,
    deliverAt: new Date(record.deliverAt),
    createdAt: new Date(record.createdAt),
    attempts: record.attempts,
    ...(record.lastError !== undefined && { lastError: record.lastError }),
  };
}

const byDue = (a: OutboxRecord, b: OutboxRecord) => a.deliverAt - b.deliverAt || a.seq - b.seq;

export class MemoryOutbox implements OutboxStore {
  constructor(readonly access: Access) {}

  async add(messages: readonly NewOutboxMessage[]): Promise<void> {
    const checked = checkOutboxMessages(messages);
    if (checked.length === 0) return;
    await this.access.write((draft) => {
      const now = Date.now();
      for (const message of checked) {
        if (draft.outbox.get(message.id)) continue; // already waiting: adding again changes nothing
        draft.outbox.put(message.id, {
          ...message,
          seq: ++draft.state.outboxSeq,
          deliverAt: message.deliverAt ?? now,
          createdAt: now,
          attempts: 0,
          lastError: undefined,
          claimedBy: undefined,
          claimedUntil: 0,
        });
      }
    });
  }

  async claim(owner: string, options: OutboxClaimOptions): Promise<OutboxMessage[]> {
    const { limit, leaseMs } = checkClaim(owner, options);
    return this.access.write((draft) => {
      const now = Date.now();
      const claimed = [...draft.outbox.merged().values()]
        .filter((r) => r.deliverAt <= now && r.claimedUntil <= now)
        .toSorted(byDue)
        .slice(0, limit)
        .map((r) => ({ ...r, claimedBy: owner, claimedUntil: now + leaseMs }));
      for (const record of claimed) draft.outbox.put(record.id, record);
      return claimed.map(toMessage);
    });
  }

  async complete(owner: string, ids: readonly string[]): Promise<number> {
    checkOwnedIds(owner, ids, 'outbox.complete');
    return this.#owned(owner, ids, (draft, record) => draft.outbox.put(record.id, null));
  }

  async release(
    owner: string,
    ids: readonly string[],
    options: { readonly retryAt: Date; readonly error: string },
  ): Promise<number> {
    checkOwnedIds(owner, ids, 'outbox.release');
    const { retryAt, error } = checkRelease(options);
    return this.#owned(owner, ids, (draft, record) =>
      draft.outbox.put(record.id, {
        ...record,
        deliverAt: retryAt,
        attempts: record.attempts + 1,
        lastError: error,
        claimedBy: undefined,
        claimedUntil: 0,
      }),
    );
  }

  async cancel(id: string): Promise<boolean> {
    checkName(id, 'id', 'outbox.cancel');
    return this.access.write((draft) => {
      if (!draft.outbox.get(id)) return false;
      draft.outbox.put(id, null);
      return true;
    });
  }

  async list(options: { readonly limit?: number; readonly after?: string } = {}): Promise<OutboxMessage[]> {
    const limit = checkLimit(options.limit, 'outbox.list');
    if (options.after !== undefined) checkName(options.after, 'after', 'outbox.list');
    const { after } = options;
    return [...this.access.read().outbox.merged().values()]
      .filter((r) => after === undefined || compareCodePoints(r.id, after) > 0)
      .toSorted((a, b) => compareCodePoints(a.id, b.id))
      .slice(0, limit)
      .map(toMessage);
  }

  async nextDue(): Promise<Date | undefined> {
    const now = Date.now();
    let next: number | undefined;
    for (const record of this.access.read().outbox.merged().values()) {
      // A claimed message is due for someone else once its claim runs out.
      const due = Math.max(record.deliverAt, record.claimedUntil > now ? record.claimedUntil : 0);
      if (next === undefined || due < next) next = due;
    }
    return next === undefined ? undefined : new Date(next);
  }

  async backlog(): Promise<OutboxBacklog> {
    const now = Date.now();
    let due = 0;
    let scheduled = 0;
    let oldest: number | undefined;
    for (const record of this.access.read().outbox.merged().values()) {
      // A claim does not matter: a claimed message is not delivered until it is completed.
      if (record.deliverAt > now) scheduled++;
      else {
        due++;
        if (oldest === undefined || record.createdAt < oldest) oldest = record.createdAt;
      }
    }
    return { due, scheduled, oldestDueCreatedAt: oldest === undefined ? undefined : new Date(oldest) };
  }

  /** Applies `change` to each message `owner` still holds; returns how many. */
  #owned(
    owner: string,
    ids: readonly string[],
    change: (draft: Draft, record: OutboxRecord) => void,
  ): Promise<number> {
    return this.access.write((draft) => {
      const now = Date.now();
      let changed = 0;
      for (const id of new Set(ids)) {
        const record = draft.outbox.get(id);
        if (!record || record.claimedBy !== owner || record.claimedUntil <= now) continue;
        change(draft, record);
        changed++;
      }
      return changed;
    });
  }
}
