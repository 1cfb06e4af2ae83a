// A child process of the saga chaos test: one node of a saga app on PostgreSQL and RabbitMQ.
import { postgresStore } from '@whizbang/postgres';
import { runSagaChaosNode } from '@whizbang/testing/conformance';
import { rabbitmqTransport } from '@whizbang/rabbitmq';

const [connectionString, schema, url, prefix] = process.argv.slice(2);
await runSagaChaosNode(
  postgresStore({ connectionString, schema }),
  await rabbitmqTransport({ url, prefix, lazyConnect: true, reconnect: { maxDelayMs: 1_000 } }),
);
