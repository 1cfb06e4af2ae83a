import { afterAll, describe } from 'vitest';
import { storeConformance } from '@whizbang/testing/conformance';
import { postgresStore } from './postgres-store.js';
import { connectionString, dropSchemas, freshSchema, postgresAvailable } from './test-support/database.js';

const available = await postgresAvailable();

describe.runIf(available)('postgres', () => {
  afterAll(() => dropSchemas());
  // Each case gets an empty schema of its own; pools are small so many stores fit the server.
  storeConformance('postgres', (options) =>
    postgresStore({ connectionString, schema: freshSchema(), maxConnections: 4, ...options }),
  );
});
