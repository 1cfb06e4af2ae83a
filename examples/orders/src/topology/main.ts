/**
 * `npm run topology` from the repository root: the orders service as separate processes on
 * PostgreSQL and RabbitMQ (ORDERS_TRANSPORT=nats for NATS JetStream): 2 API nodes on ports 3000
 * and 3001, 2 daemon nodes and the payment service, each line of their output prefixed with the
 * node's name. It seeds the demo tenants once and prints the URLs, tokens and curl lines, as
 * `npm start` does. The nodes read the variables `npm start` reads (the example's README lists
 * them), with PostgreSQL on this machine and RabbitMQ as defaults; TOPOLOGY_API_NODES and
 * TOPOLOGY_DAEMON_NODES say how many of each. Ctrl+C (or SIGTERM) stops every node cleanly; a
 * second one kills them.
 */
import { isValidationError } from '@whizbang/core';
import { ConnectionError } from './connections.js';
import { NodeStartError, startTopology, type RunningTopology } from './run-topology.js';
import { stopOnSignals } from './stop-on-signals.js';
import { topologyPlan } from './topology-config.js';

let topology: RunningTopology;
try {
  topology = await startTopology({
    plan: topologyPlan(process.env),
    entry: new URL('../http/main.js', import.meta.url),
  });
} catch (error) {
  // A wrong setting, a server away, a node that failed (its output is above): one line says it.
  const told =
    isValidationError(error) || error instanceof ConnectionError || error instanceof NodeStartError;
  console.error(told ? (error as Error).message : error);
  process.exit(1);
}
console.log(topology.banner.join('\n'));
stopOnSignals({
  stopping: 'stopping the API nodes, then the daemon nodes, then the payment service',
  stop: () => topology.stop(),
});
// Every node gone, by a signal or on its own: nothing is left to run.
process.exitCode = (await topology.allExited) ? 0 : 1;
