// A child process of the saga chaos test: one node of a saga app, on PostgreSQL and NATS JetStream.
import { postgresStore } from '@whizbang/postgres';
import { runSagaChaosNode } from '@whizbang/testing/conformance';
import { natsTransport } from '@whizbang/nats';

const [connectionString, schema, servers, prefix] = process.argv.slice(2);
await runSagaChaosNode(
  postgresStore({ connectionString, schema }),
  await natsTransport({ servers, prefix, lazyConnect: true, ackWaitMs: 5_000, requestTimeoutMs: 5_000 }),
);
