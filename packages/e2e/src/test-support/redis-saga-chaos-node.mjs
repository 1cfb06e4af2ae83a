// A child process of the saga chaos test: one node of a saga app, on PostgreSQL and Redis Streams.
import { postgresStore } from '@whizbang/postgres';
import { runSagaChaosNode } from '@whizbang/testing/conformance';
import { redisTransport } from '@whizbang/redis';

const [connectionString, schema, url, prefix] = process.argv.slice(2);
await runSagaChaosNode(
  postgresStore({ connectionString, schema }),
  redisTransport({ url, prefix, claimIdleMs: 5_000, blockMs: 500, onError: () => undefined }),
);
