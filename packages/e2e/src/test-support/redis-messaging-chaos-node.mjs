// A child process of the messaging chaos test: the sending service's relay or the receiving
// service's consumers, on PostgreSQL and Redis Streams.
import { postgresStore } from '@whizbang/postgres';
import { runMessagingChaosNode } from '@whizbang/testing/conformance';
import { redisTransport } from '@whizbang/redis';

const [connectionString, schema, url, prefix, role] = process.argv.slice(2);
await runMessagingChaosNode(
  role,
  postgresStore({ connectionString, schema }),
  redisTransport({ url, prefix, claimIdleMs: 5_000, blockMs: 500, onError: () => undefined }),
);
