/**
 * A fresh fold of one tenant's events of one shard, in memory, that can be carried forward:
 * `rebuildTenant` folds most of the log before its transaction and only the events appended
 * since inside it.
 */
import { projectionFailed } from './apply-events.js';
import { compareLogPositions } from '../event-store/log-position.js';
import { LOG_START, type LogPosition, type RecordedEvent } from '../event-store/types.js';
import type { StoreSession } from '../store/ports.js';
import { attempt } from './attempts.js';
import type { Projection } from './define-projection.js';
import type { Shard } from './generations.js';

export class TenantFold {
  /** Each document's state so far; undefined once a handler deleted it. */
  readonly states = new Map<string, unknown>();
  /** The position folded up to. */
  at: LogPosition = LOG_START;
  /** Events folded. */
  events = 0;

  constructor(
    readonly projection: Projection,
    readonly tenantId: string,
    readonly shard: Shard,
    readonly signal?: AbortSignal,
  ) {}

  /** Folds the tenant's events of the shard after `at`, up to and including `until`. */
  async advance(session: StoreSession, until: LogPosition): Promise<void> {
    if (compareLogPositions(until, this.at) <= 0) return;
    const { eventTypes, partitions, partition } = this.shard;
    const filter = {
      types: eventTypes,
      tenantId: this.tenantId,
      ...(partitions > 1 && { partition: { count: partitions, index: partition } }),
    };
    const reading = { after: this.at, until, filter, ...(this.signal && { signal: this.signal }) };
    for await (const event of session.events.readAll(reading)) {
      await this.#apply(event, session);
      this.events++;
    }
    this.at = until;
  }

  /**
   * Runs the event's handler for each document it touches, all or nothing, retried by the
   * projection's policy. A handler that keeps failing fails the rebuild: dead-lettering here
   * would park an event a second time (the daemon parked it already), and its replay would
   * then apply it twice.
   */
  async #apply(event: RecordedEvent, session: StoreSession): Promise<void> {
    const { projection } = this;
    const ids = projection.identify(event);
    if (ids.length === 0) return;
    const handler = projection.handlerFor(event.type)!;
    const outcome = await attempt(
      async () => {
        const next: unknown[] = [];
        for (const id of ids) {
          const current = this.states.get(id) ?? projection.initialFor(id);
          next.push(await handler(current, event, { id, replaying: true, session }));
        }
        return next;
      },
      projection.errors,
      this.signal,
    );
    if (!outcome.ok) throw projectionFailed(projection, event, outcome.error);
    outcome.value.forEach((next, i) => {
      if (next !== undefined) this.states.set(ids[i]!, next === null ? undefined : next);
    });
  }
}
