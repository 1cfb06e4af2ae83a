// A child process of the daemon chaos tests: one projection daemon node on PostgreSQL.
import { postgresStore } from '@whizbang/postgres';
import { runChaosNode } from '@whizbang/testing/conformance';

await runChaosNode(
  postgresStore({ connectionString: process.argv[2], schema: process.argv[3] }),
  process.argv[4],
);
