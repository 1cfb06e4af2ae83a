/**
 * What `npm run topology` starts: how many nodes of each role, on which ports, and the
 * environment each node gets. The nodes read the same variables as `npm start` (service-config.ts),
 * with the topology's defaults where the shell sets none: PostgreSQL on this machine and
 * RabbitMQ. Each node's role, port and demo flag are the topology's to set.
 */
import { isValidationError, ValidationError, type ValidationIssue } from '@whizbang/core';
import { serviceConfig, type OrdersRole, type ServiceConfig } from '../http/service-config.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Where the topology runs unless the shell says otherwise. */
export const TOPOLOGY_DEFAULTS = {
  ORDERS_STORE: 'postgres',
  ORDERS_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
  ORDERS_TRANSPORT: 'rabbitmq',
} as const;

export interface TopologyNode {
  /** `api-1`, `daemon-2`, `payments`: its name in the output. */
  readonly name: string;
  readonly role: Exclude<OrdersRole, 'all'>;
  /** Set on top of the script's own environment. */
  readonly env: Readonly<Record<string, string>>;
}

export interface TopologyPlan {
  /** The settings every node shares, as the nodes read them (the API nodes' view). */
  readonly config: ServiceConfig;
  /** The payment service first, then the daemon nodes, then the API nodes. */
  readonly nodes: readonly TopologyNode[];
}

const MAX_NODES = 9;

/**
 * @throws ValidationError naming each bad variable.
 * @example
 * const plan = topologyPlan(process.env); // 2 API nodes on :3000 and :3001, 2 daemon nodes, payments
 */
export function topologyPlan(env: Env): TopologyPlan {
  const issues: ValidationIssue[] = [];
  const nodeCount = (name: string, fallback: number) => {
    const value = Number(env[name] || fallback);
    if (!(Number.isInteger(value) && value >= 1 && value <= MAX_NODES))
      issues.push({ path: [name], message: `must be a whole number from 1 to ${MAX_NODES}` });
    return value;
  };
  const apiNodes = nodeCount('TOPOLOGY_API_NODES', 2);
  const daemonNodes = nodeCount('TOPOLOGY_DAEMON_NODES', 2);
  const defaults = Object.fromEntries(
    Object.entries(TOPOLOGY_DEFAULTS).filter(([name]) => !env[name]),
  ) as Record<string, string>;
  let config: ServiceConfig | undefined;
  try {
    config = serviceConfig({ ...env, ...defaults, ORDERS_ROLE: 'api' });
  } catch (error) {
    if (!isValidationError(error)) throw error;
    issues.push(...error.issues);
  }
  // Each API node its own port, counting up from PORT; 0: each a free one.
  const basePort = config?.port ?? 0;
  if (basePort !== 0 && basePort + apiNodes + daemonNodes > 65_535)
    issues.push({
      path: ['PORT'],
      message: `leaves no room for ${apiNodes + daemonNodes + 1} nodes' ports below 65536`,
    });
  if (issues.length > 0 || config === undefined) throw new ValidationError(issues, 'environment');

  // The topology seeds the demo tenants itself, once: no node does.
  const node = (
    name: string,
    role: TopologyNode['role'],
    more: Record<string, string> = {},
  ): TopologyNode => ({
    name,
    role,
    env: { ...defaults, ORDERS_ROLE: role, ORDERS_DEMO: '0', ...more },
  });
  const numbered = (count: number) => Array.from({ length: count }, (_, i) => i + 1);
  // The API nodes' ports first, then each other node's health and metrics: PORT, PORT+1, …
  const portAfterApi = (n: number) => ({
    ORDERS_MANAGEMENT_PORT: String(basePort === 0 ? 0 : basePort + apiNodes + n - 1),
  });
  return {
    config,
    nodes: [
      node('payments', 'payments', portAfterApi(daemonNodes + 1)),
      ...numbered(daemonNodes).map((n) => node(`daemon-${n}`, 'daemon', portAfterApi(n))),
      ...numbered(apiNodes).map((n) =>
        node(`api-${n}`, 'api', { PORT: String(basePort === 0 ? 0 : basePort + n - 1) }),
      ),
    ],
  };
}
