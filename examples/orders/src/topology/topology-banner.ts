/**
 * What `npm run topology` prints once every node runs: each node with what it runs (and its URL,
 * for the API nodes), where the events are, the broker, and in demo mode the tokens and curl
 * lines of `npm start`, placing an order on the first API node and reading it from the last.
 */
import type { OrdersRole } from '../http/service-config.js';
import {
  demoLines,
  secretLine,
  seededLine,
  type DemoSection,
  type SecretSource,
} from '../http/start-banner.js';
import { describeRole } from './node-roles.js';

/** The first line. */
export const TOPOLOGY_RUNNING = 'Whizbang orders topology running:';
/** The last line: everything above it is printed. */
export const TOPOLOGY_READY = 'Each line of a node comes prefixed with its name. Ctrl+C stops every node.';

export interface TopologyBannerInput {
  readonly nodes: readonly {
    readonly name: string;
    readonly role: Exclude<OrdersRole, 'all'>;
    readonly pid: number | undefined;
    /** An API node's. */
    readonly url?: string | undefined;
  }[];
  /** Where each service's events are (`describeStore`). */
  readonly store: string;
  readonly paymentsStore: string;
  /** The broker (`describeTransport`). */
  readonly broker: string;
  readonly secret: SecretSource;
  readonly demo?: DemoSection | undefined;
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/**
 * @example
 * console.log(topologyBanner({ nodes, store, paymentsStore, broker, secret }).join('\n'));
 */
export function topologyBanner(input: TopologyBannerInput): string[] {
  const { nodes } = input;
  const count = (role: string) => nodes.filter((node) => node.role === role).length;
  const width = Math.max(...nodes.map((node) => node.name.length));
  const apiUrls = nodes.flatMap((node) => (node.url === undefined ? [] : [node.url]));
  const lines = [
    `${TOPOLOGY_RUNNING} ${plural(count('api'), 'API node')}, ${plural(count('daemon'), 'daemon node')} and the payment service`,
    ...nodes.map(
      (node) =>
        `  ${node.name.padEnd(width)}  pid ${node.pid ?? '?'}  ${node.url === undefined ? '' : `${node.url}: `}${describeRole(node.role)}`,
    ),
    `  orders' events in ${input.store}`,
    `  payments' events in ${input.paymentsStore}`,
    `  broker: ${input.broker}`,
    secretLine(input.secret),
  ];
  const { demo } = input;
  if (demo === undefined) lines.push('  no demo data and no demo tokens (ORDERS_DEMO=1 for both)');
  else {
    const placeUrl = apiUrls.at(0) ?? '';
    lines.push(seededLine(demo), '', ...demoLines(demo, { placeUrl, readUrl: apiUrls.at(-1) ?? placeUrl }));
  }
  lines.push('', TOPOLOGY_READY);
  return lines;
}
