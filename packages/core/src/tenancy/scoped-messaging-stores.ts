/**
 * The outbox, inbox and dead letters as a handler for one tenant sees them. Rows that carry a
 * tenant are that tenant's; the relay's and the retention's work over every tenant is refused.
 */
import type {
  DeadLetter,
  DeadLetterListOptions,
  DeadLetterStore,
  InboxStore,
  NewDeadLetter,
  NewOutboxMessage,
  OutboxBacklog,
  OutboxMessage,
  OutboxStore,
} from '../store/ports.js';
import { refuse, withTenant } from './tenant-scope.js';

export class ScopedOutboxStore implements OutboxStore {
  constructor(
    readonly inner: OutboxStore,
    readonly tenantId: string,
  ) {}

  async add(messages: readonly NewOutboxMessage[]): Promise<void> {
    return this.inner.add(messages.map((message) => withTenant(this.tenantId, message, 'outbox.add')));
  }
  async claim(): Promise<OutboxMessage[]> {
    return refuse(this.tenantId, 'outbox.claim');
  }
  async complete(): Promise<number> {
    return refuse(this.tenantId, 'outbox.complete');
  }
  async release(): Promise<number> {
    return refuse(this.tenantId, 'outbox.release');
  }
  /** By id alone, it could cancel another tenant's message: system only (`app.cancelScheduled`). */
  async cancel(): Promise<boolean> {
    return refuse(this.tenantId, 'outbox.cancel');
  }
  async list(): Promise<OutboxMessage[]> {
    return refuse(this.tenantId, 'outbox.list');
  }
  async nextDue(): Promise<Date | undefined> {
    return refuse(this.tenantId, 'outbox.nextDue');
  }
  /** Counts every tenant's messages: the system's (metrics). */
  async backlog(): Promise<OutboxBacklog> {
    return refuse(this.tenantId, 'outbox.backlog');
  }
}

/**
 * Inbox records are keyed by message id, which is a UUID no tenant can guess, so a handler may
 * record and check them (idempotency) as before; forgetting them for every tenant is refused.
 */
export class ScopedInboxStore implements InboxStore {
  constructor(
    readonly inner: InboxStore,
    readonly tenantId: string,
  ) {}

  record(group: string, messageId: string): Promise<boolean> {
    return this.inner.record(group, messageId);
  }
  recordMany(group: string, messageIds: readonly string[]): Promise<ReadonlySet<string>> {
    return this.inner.recordMany(group, messageIds);
  }
  has(group: string, messageId: string): Promise<boolean> {
    return this.inner.has(group, messageId);
  }
  claim(group: string, messageIds: readonly string[]): Promise<string[]> {
    return this.inner.claim(group, messageIds);
  }
  async prune(): Promise<number> {
    return refuse(this.tenantId, 'inbox.prune');
  }
}

/** Dead letters of this tenant; another tenant's, looked up by id, are as if absent. */
export class ScopedDeadLetterStore implements DeadLetterStore {
  constructor(
    readonly inner: DeadLetterStore,
    readonly tenantId: string,
  ) {}

  async add(letter: NewDeadLetter): Promise<DeadLetter> {
    return this.inner.add(withTenant(this.tenantId, letter, 'deadLetters.add'));
  }
  async get(id: string): Promise<DeadLetter | undefined> {
    const letter = await this.inner.get(id);
    return letter?.tenantId === this.tenantId ? letter : undefined;
  }
  async list(options?: DeadLetterListOptions): Promise<DeadLetter[]> {
    return this.inner.list(withTenant(this.tenantId, options, 'deadLetters.list'));
  }
  async delete(id: string): Promise<boolean> {
    return (await this.get(id)) !== undefined && this.inner.delete(id);
  }
}
