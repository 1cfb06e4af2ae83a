// The child process of the kill -9 test: appends to PostgreSQL until it is killed.
import { postgresStore } from '@whizbang/postgres';
import { runCrashWriter } from '@whizbang/testing/conformance';

await runCrashWriter(postgresStore({ connectionString: process.argv[2], schema: process.argv[3] }));
