// A child process of the messaging chaos test: the sending service's relay or the receiving
// service's consumers, on PostgreSQL and RabbitMQ.
import { postgresStore } from '@whizbang/postgres';
import { runMessagingChaosNode } from '@whizbang/testing/conformance';
import { rabbitmqTransport } from '@whizbang/rabbitmq';

const [connectionString, schema, url, prefix, role] = process.argv.slice(2);
await runMessagingChaosNode(
  role,
  postgresStore({ connectionString, schema }),
  await rabbitmqTransport({ url, prefix, lazyConnect: true, reconnect: { maxDelayMs: 1_000 } }),
);
