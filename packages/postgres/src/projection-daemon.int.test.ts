import { fileURLToPath } from 'node:url';
import { afterAll, describe } from 'vitest';
import { daemonChaosConformance } from '@whizbang/testing/conformance';
import { postgresStore } from './postgres-store.js';
import { connectionString, dropSchemas, freshSchema, postgresAvailable } from './test-support/database.js';

const available = await postgresAvailable();
const node = fileURLToPath(new URL('./test-support/chaos-node.mjs', import.meta.url));
const schema = freshSchema('wbd');

describe.runIf(available)('postgres projection daemon under fire', () => {
  afterAll(() => dropSchemas('wbd'));
  daemonChaosConformance('postgres', {
    command: [process.execPath, node, connectionString, schema],
    open: async () => {
      const store = postgresStore({ connectionString, schema });
      await store.migrate();
      return store;
    },
  });
});
