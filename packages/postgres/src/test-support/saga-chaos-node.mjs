// A child process of the saga chaos test: one node of a saga app on PostgreSQL, delivering its
// own outbox (no broker).
import { postgresStore } from '@whizbang/postgres';
import { runSagaChaosNode } from '@whizbang/testing/conformance';

await runSagaChaosNode(postgresStore({ connectionString: process.argv[2], schema: process.argv[3] }));
