/**
 * Starts the topology a plan describes, as child processes of this one: the payment service, the
 * daemon nodes and the API nodes, each the built entry of `npm start` with its role. Before any
 * starts, it prepares the orders store (migrated, and the demo tenants seeded once, when in demo
 * mode) and the token secret they share. Every line a node writes is shown prefixed with its
 * name. A node that fails to start stops the rest; one that stops later is reported, and the
 * others keep running (stop a daemon node and watch another take its projections over).
 */
import { createTenantOrdersApp } from '../app/create-app.js';
import type { SeedReport } from '../demo/demo-data.js';
import { seedDemoTenants } from '../demo/demo-tenants.js';
import { demoSection } from '../http/demo-section.js';
import { describeStore, describeTransport } from '../http/service-config.js';
import { serviceJwt } from '../http/service-jwt.js';
import { LISTENING } from '../http/start-banner.js';
import { openStore } from './connections.js';
import { DAEMON_RUNNING, PAYMENTS_RUNNING } from './node-banner.js';
import { lineMatching, spawnNodeProcess, type NodeProcess } from './node-process.js';
import { topologyBanner } from './topology-banner.js';
import type { TopologyNode, TopologyPlan } from './topology-config.js';

export interface TopologyOptions {
  readonly plan: TopologyPlan;
  /** The built entry every node runs: `dist/http/main.js`. */
  readonly entry: string | URL;
  /** Where the nodes' prefixed lines go (default standard output). */
  readonly print?: (line: string) => void;
  /** How long a node may take to start (default 30 s). */
  readonly startTimeoutMs?: number;
  /** How long a node may take to stop before it is killed (default 15 s). */
  readonly stopTimeoutMs?: number;
}

export interface RunningTopology {
  /** What to print now that every node runs. */
  readonly banner: readonly string[];
  /** Resolves once every node has exited: true if each exited cleanly. */
  readonly allExited: Promise<boolean>;
  /** Stops the API nodes, then the daemon nodes, then the payment service. */
  stop(): Promise<void>;
}

/** A node exited, or said nothing, before it ran: the others are stopped again. */
export class NodeStartError extends Error {
  readonly code = 'ORDERS_NODE_START';
  constructor(name: string, options: { readonly cause: unknown }) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`${name} did not start: ${reason}`, options);
  }
}

const READY: Readonly<Record<TopologyNode['role'], RegExp>> = {
  api: lineMatching(`${LISTENING} `, { start: true }),
  daemon: lineMatching(DAEMON_RUNNING),
  payments: lineMatching(PAYMENTS_RUNNING),
};

interface Started {
  readonly node: TopologyNode;
  readonly process: NodeProcess;
}

/**
 * @example
 * const topology = await startTopology({ plan: topologyPlan(process.env), entry });
 * console.log(topology.banner.join('\n'));
 * process.on('SIGTERM', () => void topology.stop());
 */
export async function startTopology(options: TopologyOptions): Promise<RunningTopology> {
  const { plan, entry, print = (line) => console.log(line) } = options;
  const { config } = plan;
  const { jwt, source } = serviceJwt(config); // made now if need be: the API nodes read it
  const seeded = await prepareOrdersStore(plan);
  const demo = seeded === undefined ? undefined : await demoSection(jwt, seeded);

  const width = Math.max(...plan.nodes.map((node) => node.name.length));
  let stopping = false;
  const started: Started[] = plan.nodes.map((node) => ({
    node,
    process: spawnNodeProcess({
      entry,
      env: node.env,
      ownProcessGroup: true, // this script forwards signals: Ctrl+C must not reach a node twice
      onLine: (line) => print(`${node.name.padEnd(width)} | ${line}`),
      ...(options.startTimeoutMs !== undefined && { timeoutMs: options.startTimeoutMs }),
    }),
  }));
  // Should this process end any way at all, no node outlives it.
  const killAll = () => {
    for (const { process: child } of started) if (!child.hasExited) void child.stop('SIGKILL');
  };
  process.once('exit', killAll);
  const stopTimeoutMs = options.stopTimeoutMs ?? 15_000;
  const stopAll = async () => {
    stopping = true;
    for (const role of ['api', 'daemon', 'payments'] as const)
      await Promise.all(
        started
          .filter(({ node }) => node.role === role)
          .map(({ process: child }) => stopWithin(child, stopTimeoutMs)),
      );
    process.off('exit', killAll);
  };

  let urls: (string | undefined)[];
  try {
    urls = await Promise.all(
      started.map(async ({ node, process: child }) => {
        const line = await child.waitForLine(READY[node.role]).catch((error: unknown) => {
          throw new NodeStartError(node.name, { cause: error });
        });
        return node.role === 'api' ? line.slice(LISTENING.length + 1).trim() : undefined;
      }),
    );
  } catch (error) {
    await stopAll();
    throw error;
  }
  const allExited = Promise.all(
    started.map(async ({ node, process: child }) => {
      const code = await child.exited;
      if (!stopping) print(`${node.name} exited (code ${code}); the other nodes keep running.`);
      return code === 0;
    }),
  ).then((clean) => clean.every(Boolean));

  return {
    banner: topologyBanner({
      nodes: started.map(({ node, process: child }, i) => ({
        name: node.name,
        role: node.role,
        pid: child.pid,
        url: urls[i],
      })),
      store: describeStore(config.store),
      paymentsStore: describeStore(config.paymentsStore),
      broker: describeTransport(config.transport),
      secret: source,
      demo,
    }),
    allExited,
    stop: stopAll,
  };
}

/** Migrates the orders store, and seeds the demo tenants when in demo mode: once, before any node. */
async function prepareOrdersStore(plan: TopologyPlan): Promise<SeedReport | undefined> {
  const store = await openStore(plan.config.store);
  try {
    // Not started: seeding needs none of the app's background work, and the nodes do it all.
    return plan.config.demo ? await seedDemoTenants(createTenantOrdersApp({ store })) : undefined;
  } finally {
    await store.close();
  }
}

/** SIGTERM, then SIGKILL if it has not stopped in time. */
async function stopWithin(child: NodeProcess, timeoutMs: number): Promise<void> {
  const timer = setTimeout(() => void child.stop('SIGKILL'), timeoutMs);
  try {
    await child.stop('SIGTERM');
  } finally {
    clearTimeout(timer);
  }
}
