/**
 * Live projections: the read model computed on read from the log, never stored. For a
 * projection keyed by stream that is one stream read; for any other identity it is a scan of
 * the projection's event types, so keep those to small logs or use an inline or async one.
 */
import { compareLogPositions } from '../event-store/log-position.js';
import { LOG_START, type LogPosition, type RecordedEvent } from '../event-store/types.js';
import type { StoreSession } from '../store/ports.js';
import type { Projection } from './define-projection.js';

/**
 * Folds the events of document `id` into its state; `undefined` when no event made one.
 * @example
 * const summary = await project(store, orderSummaries, 'order-1');
 */
export async function project<S>(
  session: StoreSession,
  projection: Projection<S>,
  id: string,
  options: {
    readonly tenantId?: string;
    /** Fold only events at or before this log position (default: all). */
    readonly upTo?: LogPosition;
  } = {},
): Promise<S | undefined> {
  const p = projection;
  const tenant = options.tenantId !== undefined ? { tenantId: options.tenantId } : {};
  const events: AsyncIterable<RecordedEvent> | readonly RecordedEvent[] = p.keyedByStream
    ? (await session.events.readStream(id, tenant)).events
    : session.events.readAll({ after: LOG_START, filter: { types: p.eventTypes, ...tenant } });
  let state: S | undefined;
  const { upTo } = options;
  for await (const event of events) {
    if (upTo && compareLogPositions(event.logPosition, upTo) > 0) {
      // The global log is in position order; a stream's events are too, for every driver.
      break;
    }
    if (!p.identify(event).includes(id)) continue;
    const next = await p.handlerFor(event.type)!(state ?? p.initialFor(id), event, {
      id,
      replaying: false,
      session,
    });
    if (next !== undefined) state = next === null ? undefined : (next as S);
  }
  return state;
}
