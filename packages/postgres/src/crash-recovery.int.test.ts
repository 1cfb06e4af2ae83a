import { fileURLToPath } from 'node:url';
import { afterAll, describe } from 'vitest';
import { crashRecoveryConformance } from '@whizbang/testing/conformance';
import { postgresStore } from './postgres-store.js';
import { connectionString, dropSchemas, freshSchema, postgresAvailable } from './test-support/database.js';

const available = await postgresAvailable();
const schema = freshSchema('wbc');
const writer = fileURLToPath(new URL('./test-support/crash-writer.mjs', import.meta.url));

describe.runIf(available)('postgres crash recovery', () => {
  afterAll(() => dropSchemas('wbc'));
  crashRecoveryConformance('postgres', {
    command: [process.execPath, writer, connectionString, schema],
    open: () => postgresStore({ connectionString, schema }),
  });
});
