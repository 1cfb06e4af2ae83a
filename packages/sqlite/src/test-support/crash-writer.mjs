// The child process of the kill -9 test: appends to a SQLite file until it is killed.
import { sqliteStore } from '@whizbang/sqlite';
import { runCrashWriter } from '@whizbang/testing/conformance';

await runCrashWriter(sqliteStore({ path: process.argv[2] }));
