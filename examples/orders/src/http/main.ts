/**
 * The orders service: `npm start` from the repository root. By default one process on the
 * embedded SQLite file in the data directory, kept between runs. Without ORDERS_JWT_SECRET it
 * runs as a demo: it makes a development secret once (kept in the data directory), seeds two
 * demo tenants idempotently and prints a customer's and an admin's token for each, with a curl
 * example.
 *
 * Configured by the environment (service-config.ts; the example's README lists the variables):
 * the same entry runs the service on PostgreSQL, over RabbitMQ or NATS, as a process of one role
 * (ORDERS_ROLE: all, api, daemon, payments; `npm run topology` starts several), plus the
 * fulfillment saga's times and the payment service's failures (ORDERS_PAY_WITHIN_MS,
 * ORDERS_SHIP_WITHIN_MS, PAYMENTS_DECLINE_ABOVE_CENTS, PAYMENTS_FAILURE_RATE, PAYMENTS_DELAY_MS)
 * and OpenTelemetry's own: OTEL_EXPORTER_OTLP_ENDPOINT turns on trace and metric export. HTTP
 * nodes serve /metrics for Prometheus. Stops cleanly on SIGINT and SIGTERM; a second one stops
 * at once.
 */
import { isValidationError } from '@whizbang/core';
import { ConnectionError } from '../topology/connections.js';
import { startNode, type RunningNode } from '../topology/start-node.js';
import { stopOnSignals } from '../topology/stop-on-signals.js';
import { PortInUseError } from './http-node.js';
import { serviceConfig } from './service-config.js';

let node: RunningNode;
try {
  node = await startNode(serviceConfig(process.env), process.env);
} catch (error) {
  // A wrong setting, a port in use, a server away: one line says it. Anything else: the stack.
  const told =
    isValidationError(error) || error instanceof PortInUseError || error instanceof ConnectionError;
  console.error(told ? (error as Error).message : error);
  process.exit(1);
}
console.log(node.banner.join('\n'));
stopOnSignals({ stopping: node.stopping, stop: () => node.close() });
