// A child process of the messaging chaos test: the sending service's relay or the receiving
// service's consumers, on PostgreSQL and NATS JetStream.
import { postgresStore } from '@whizbang/postgres';
import { runMessagingChaosNode } from '@whizbang/testing/conformance';
import { natsTransport } from '@whizbang/nats';

const [connectionString, schema, servers, prefix, role] = process.argv.slice(2);
await runMessagingChaosNode(
  role,
  postgresStore({ connectionString, schema }),
  await natsTransport({ servers, prefix, lazyConnect: true, ackWaitMs: 5_000, requestTimeoutMs: 5_000 }),
);
