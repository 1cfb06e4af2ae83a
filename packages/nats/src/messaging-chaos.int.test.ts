import { fileURLToPath } from 'node:url';
import { Client } from 'pg';
import { afterAll, describe } from 'vitest';
import { postgresStore } from '@whizbang/postgres';
import { realService } from '@whizbang/testing';
import { natsTransport } from './nats-transport.js';
import {
  messagingChaosConformance,
  poisonMessageConformance,
  sagaTimeoutChaosConformance,
} from '@whizbang/testing/conformance';
import { deleteStreams, testNats, testPrefix } from './test-support/nats.js';

const postgres = process.env['WHIZBANG_TEST_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const nats = await testNats();
const available =
  nats.available && (await realService({ name: 'PostgreSQL', port: Number(new URL(postgres).port || 5432) }));
const node = fileURLToPath(new URL('./test-support/messaging-chaos-node.mjs', import.meta.url));
const sagaNode = fileURLToPath(new URL('./test-support/saga-chaos-node.mjs', import.meta.url));
const schema = `wbmc_nats_${process.pid}_${Date.now().toString(36)}`;
const prefix = testPrefix();

// Needs a server this test may stop: the one it started (not an external WHIZBANG_TEST_NATS).
describe.runIf(available && nats.down !== undefined)('nats: messaging under fire', () => {
  afterAll(async () => {
    try {
      await deleteStreams(nats.url, prefix);
    } finally {
      await nats.stop();
      const client = new Client({ connectionString: postgres });
      await client.connect();
      try {
        await client.query(
          `DROP SCHEMA IF EXISTS "${schema}" CASCADE; DROP SCHEMA IF EXISTS "${schema}_poison" CASCADE; DROP SCHEMA IF EXISTS "${schema}_sagas" CASCADE`,
        );
      } finally {
        await client.end();
      }
    }
  });
  messagingChaosConformance('nats', {
    command: [process.execPath, node, postgres, schema, nats.url, prefix],
    open: async () => {
      const store = postgresStore({ connectionString: postgres, schema });
      await store.migrate();
      return store;
    },
    stopBroker: () => nats.down!(),
    startBroker: () => nats.up!(),
  });
  sagaTimeoutChaosConformance('nats', {
    command: [process.execPath, sagaNode, postgres, `${schema}_sagas`, nats.url, prefix],
    open: async () => {
      const store = postgresStore({ connectionString: postgres, schema: `${schema}_sagas` });
      await store.migrate();
      return store;
    },
  });
  poisonMessageConformance('nats', {
    connect: () => natsTransport({ servers: nats.url, prefix, ackWaitMs: 5_000 }),
    open: async () => {
      const store = postgresStore({ connectionString: postgres, schema: `${schema}_poison` });
      await store.migrate();
      return store;
    },
  });
});
