/**
 * Waiting for the service to finish what the load set going: the payments it charges after an
 * order is placed, the saga's confirmations and cancellations, the read models the daemon builds.
 * Quiet means, for a while: nothing appended to any of its stores, nothing waiting in an outbox
 * or on the broker, and the projections and sagas, whichever process runs them, caught up with
 * the log. Then the log and what the service shows can be compared.
 *
 * In one process the payment service shares the orders store and there is no broker. In the
 * topology, work also waits where no log shows it: in an outbox (a command to the payment
 * service, its answer back), on the broker (sent, not yet handled), and in the payment
 * service's own store and saga. An order is then paid (or declined) in two stores and across
 * the broker, and the orders log can stand still meanwhile, so each of these is watched.
 */
import {
  compareLogPositions,
  whizbang,
  type LogPosition,
  type Store,
  type WhizbangApp,
} from '@whizbang/core';
import { createTenantOrdersApp } from '../../app/create-app.js';
import { paymentService } from '../../payments/payment-service.js';

export interface SettleOptions {
  /** How long it must stay quiet (default 1 s: payment and saga steps take milliseconds). */
  readonly quietMs?: number;
  /** Default 60 s. */
  readonly timeoutMs?: number;
  /**
   * The payment service's own store, when it keeps one (the topology); its saga and outbox are
   * then waited for too. Default: it keeps its events in the orders store, in the same process.
   */
  readonly payments?: Store;
  /** Messages the broker holds for the services, handed out or not (the topology's). */
  readonly brokerBacklog?: () => Promise<number>;
}

interface Watched {
  readonly store: Store;
  /** Never started: only asked after the service's projections and sagas, by the same names. */
  readonly app: WhizbangApp;
}

/**
 * What is in the outbox to be delivered: due now, or waiting to be tried again after a failed
 * delivery. A saga's deadline, due long after the run (not shipped within days), is not.
 */
async function outboxWork(store: Store): Promise<number> {
  const now = Date.now();
  let count = 0;
  for (let after: string | undefined; ;) {
    const page = await store.outbox.list({ limit: 500, ...(after !== undefined && { after }) });
    count += page.filter((m) => m.deliverAt.getTime() <= now || m.attempts > 0).length;
    if (page.length < 500) return count;
    after = page.at(-1)?.id;
  }
}

/**
 * Resolves with the orders log's head once the service using `store` is quiet.
 * @throws Error when it is still busy after `timeoutMs`, saying with what.
 * @example
 * const head = await settle(sqliteStore({ path, migrate: false }));
 * await settle(ordersStore, { payments: paymentsStore, brokerBacklog: () => queued(prefix) });
 */
export async function settle(store: Store, options: SettleOptions = {}): Promise<LogPosition> {
  const { quietMs = 1_000, timeoutMs = 60_000, payments, brokerBacklog } = options;
  const watched: Watched[] =
    payments === undefined
      ? [{ store, app: createTenantOrdersApp({ store, fulfillment: {} }) }]
      : [
          // Its daemon nodes run the orders sagas only; the payment service runs its own.
          { store, app: createTenantOrdersApp({ store, fulfillment: {}, payments: false }) },
          { store: payments, app: whizbang({ store: payments, ...paymentService() }) },
        ];
  const deadline = Date.now() + timeoutMs;
  const heads = () =>
    Promise.all(watched.map(({ store: s }) => s.events.readHeadPosition({ committed: true })));
  // The outboxes before the broker: a message leaves an outbox only once the broker has it.
  const waiting = async () => {
    const outboxes = await Promise.all(watched.map(({ store: s }) => outboxWork(s)));
    return [...outboxes, (await brokerBacklog?.()) ?? 0];
  };
  const busy = (counts: readonly number[]) => counts.some((n) => n > 0);
  for (;;) {
    // Work in hand at the start shows later as an append, or as work still waiting at the end.
    const [before, waitingBefore] = [await heads(), await waiting()];
    for (const { app } of watched)
      await app.waitForProjections({ timeoutMs: Math.max(1, deadline - Date.now()) });
    await new Promise((resolve) => setTimeout(resolve, quietMs));
    const waitingAfter = await waiting();
    const after = await heads();
    const [ordersHead] = after;
    const appended = before.some((head, i) => {
      const now = after[i];
      return now === undefined || compareLogPositions(head, now) !== 0;
    });
    if (!appended && !busy(waitingBefore) && !busy(waitingAfter) && ordersHead !== undefined)
      return ordersHead;
    if (Date.now() >= deadline)
      throw new Error(
        `The service was still busy after ${timeoutMs} ms: ${appended ? 'appending; ' : ''}waiting in the outboxes and on the broker: ${waitingAfter.join(', ')}`,
      );
  }
}
