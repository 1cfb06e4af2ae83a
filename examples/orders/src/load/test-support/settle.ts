/**
 * Waiting for the service to finish what the load set going: the payments it charges after an
 * order is placed, the saga's confirmations and cancellations, the read models the daemon builds.
 * Quiet means the daemon's projections and sagas have caught up with the log and nothing has
 * been appended for a while: then the log and what the service shows can be compared.
 */
import { compareLogPositions, type LogPosition, type Store } from '@whizbang/core';
import { createTenantOrdersApp } from '../../app/create-app.js';

export interface SettleOptions {
  /** How long nothing may be appended (default 1 s: payment and saga steps take milliseconds). */
  readonly quietMs?: number;
  /** Default 60 s. */
  readonly timeoutMs?: number;
}

/**
 * Resolves with the log's head once the service reading and writing `store` is quiet.
 * @example
 * const head = await settle(sqliteStore({ path, migrate: false }));
 */
export async function settle(store: Store, options: SettleOptions = {}): Promise<LogPosition> {
  const { quietMs = 1_000, timeoutMs = 60_000 } = options;
  // Never started: only asked after the service's own projections and sagas, by the same names.
  const service = createTenantOrdersApp({ store, fulfillment: {} });
  const deadline = Date.now() + timeoutMs;
  const head = () => store.events.readHeadPosition({ committed: true });
  for (let before = await head(); ;) {
    await service.waitForProjections({ timeoutMs: Math.max(1, deadline - Date.now()) });
    await new Promise((resolve) => setTimeout(resolve, quietMs));
    const after = await head();
    if (compareLogPositions(before, after) === 0) return after;
    if (Date.now() >= deadline) throw new Error(`The service was still writing after ${timeoutMs} ms`);
    before = after;
  }
}
