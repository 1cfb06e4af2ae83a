/**
 * What a process without HTTP prints once it runs (roles `daemon` and `payments`): what it is,
 * first (a script waits for that line), where its events are and which broker it uses.
 */
import type { OrdersRole } from '../http/service-config.js';
import { describeRole } from './node-roles.js';

/** The first line of a daemon node. */
export const DAEMON_RUNNING = 'Whizbang orders daemon node running';
/** The first line of the payment service. */
export const PAYMENTS_RUNNING = 'Whizbang payment service running';

export interface NodeBannerInput {
  readonly role: Extract<OrdersRole, 'daemon' | 'payments'>;
  /** Where its events are (`describeStore`). */
  readonly store: string;
  /** The broker (`describeTransport`). */
  readonly broker: string;
  /** Where it serves its health and metrics (ORDERS_MANAGEMENT_PORT), if it does. */
  readonly management?: string;
}

/**
 * @example
 * console.log(nodeBanner({ role: 'daemon', store: describeStore(s), broker: describeTransport(t) }).join('\n'));
 */
export function nodeBanner(input: NodeBannerInput): string[] {
  return [
    input.role === 'daemon' ? DAEMON_RUNNING : PAYMENTS_RUNNING,
    `  runs ${describeRole(input.role)}`,
    `  events in ${input.store}`,
    `  broker: ${input.broker}`,
    ...(input.management === undefined
      ? []
      : [`  health: ${input.management}/health/ready, metrics: ${input.management}/metrics`]),
    'Ctrl+C stops it.',
  ];
}
