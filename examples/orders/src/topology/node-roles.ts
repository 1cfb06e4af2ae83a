/**
 * What an orders process runs for each role. Every node handles the commands and queries sent
 * to it; the roles divide the rest. API nodes answer requests and nothing else on their own,
 * so their latency is the requests': they run no projection daemon and consume no queue. Daemon
 * nodes run everything no request waits for: the projection daemon (async read models, the
 * reactor, and the sagas, which hear the log through it), and the consumers of the service's
 * queues (the sagas' commands and timeouts, the payment service's answers). Every node runs the
 * outbox relay: relays share the outbox without waiting on each other, a message a node writes
 * leaves at once from that node, and each node's `/metrics` shows the backlog.
 */
import type { Transport } from '@whizbang/core';
import type { OrdersAppOptions } from '../app/create-app.js';
import type { PaymentServiceOptions } from '../payments/payment-service.js';
import type { OrdersRole } from '../http/service-config.js';

/** The roles of the orders service's own nodes (the payment service is a service of its own). */
export type OrdersNodeRole = Exclude<OrdersRole, 'payments'>;

export interface OrdersNodeParts {
  /** The HTTP API. */
  readonly http: boolean;
  /** The projection daemon: async read models, the reactor, the sagas' view of the log. */
  readonly daemon: boolean;
  /** The consumers of the `orders` command queue and of the payment service's events. */
  readonly consumers: boolean;
  /** The outbox relay. */
  readonly relay: boolean;
}

// #region roles
export const ORDERS_NODE_PARTS: Readonly<Record<OrdersNodeRole, OrdersNodeParts>> = {
  all: { http: true, daemon: true, consumers: true, relay: true },
  api: { http: true, daemon: false, consumers: false, relay: true },
  daemon: { http: false, daemon: true, consumers: true, relay: true },
};

/**
 * The app options that give a node its role's parts. Without a transport (one process, `all`),
 * the payment service runs in the app; with one, it is a service of its own, reached over it.
 * @example
 * createTenantOrdersApp({ store, fulfillment, ...roleAppOptions('api', transport) });
 */
export function roleAppOptions(
  role: OrdersNodeRole,
  transport: Transport | undefined,
  payments: PaymentServiceOptions = {},
): Pick<OrdersAppOptions, 'messaging' | 'daemon' | 'payments'> {
  if (transport === undefined) return { payments };
  const parts = ORDERS_NODE_PARTS[role];
  return {
    messaging: { transport, runRelay: parts.relay, runConsumers: parts.consumers },
    ...(!parts.daemon && { daemon: false }),
  };
}
// #endregion

/** What a node of `role` runs, for its start banner. */
export function describeRole(role: OrdersRole): string {
  if (role === 'payments') return 'the payment service: its handlers, its saga, its consumers and relay';
  const parts = ORDERS_NODE_PARTS[role];
  const runs = [
    parts.http && 'the HTTP API',
    parts.daemon && 'projections, the reactor and sagas',
    parts.consumers && 'the consumers',
    parts.relay && 'the outbox relay',
  ].filter((part) => part !== false);
  return `${runs.slice(0, -1).join(', ')} and ${runs.at(-1)}`;
}
