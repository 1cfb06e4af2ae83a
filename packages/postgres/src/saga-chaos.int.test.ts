import { fileURLToPath } from 'node:url';
import { afterAll, describe } from 'vitest';
import { sagaTimeoutChaosConformance } from '@whizbang/testing/conformance';
import { postgresStore } from './postgres-store.js';
import { connectionString, dropSchemas, freshSchema, postgresAvailable } from './test-support/database.js';

const available = await postgresAvailable();
const node = fileURLToPath(new URL('./test-support/saga-chaos-node.mjs', import.meta.url));
const schema = freshSchema('wbs');

describe.runIf(available)('postgres sagas under fire (no broker: the nodes deliver their own outbox)', () => {
  afterAll(() => dropSchemas('wbs'));
  sagaTimeoutChaosConformance('postgres', {
    command: [process.execPath, node, connectionString, schema],
    open: async () => {
      const store = postgresStore({ connectionString, schema });
      await store.migrate();
      return store;
    },
  });
});
