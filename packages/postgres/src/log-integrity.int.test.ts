import { afterAll, describe } from 'vitest';
import { logIntegrityConformance } from '@whizbang/testing/conformance';
import { postgresStore } from './postgres-store.js';
import { connectionString, dropSchemas, freshSchema, postgresAvailable } from './test-support/database.js';

const available = await postgresAvailable();

// The case gap-safety exists for: 3% of appends hold their transaction open 0–200 ms before
// committing and 1% roll back, while a reader tails the log from the start.
describe.runIf(available)(
  'postgres log integrity',
  () => {
    afterAll(() => dropSchemas('wbl'));
    logIntegrityConformance(
      'postgres',
      () => postgresStore({ connectionString, schema: freshSchema('wbl'), maxConnections: 24 }),
      {
        slowTransactionRate: 0.03,
        rollbackRate: 0.01,
      },
    );
  },
  300_000,
);
