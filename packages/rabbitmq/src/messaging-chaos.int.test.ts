import { fileURLToPath } from 'node:url';
import { Client } from 'pg';
import { afterAll, describe } from 'vitest';
import { postgresStore } from '@whizbang/postgres';
import { realService } from '@whizbang/testing';
import { rabbitmqTransport } from './rabbitmq-transport.js';
import {
  messagingChaosConformance,
  poisonMessageConformance,
  sagaTimeoutChaosConformance,
} from '@whizbang/testing/conformance';
import {
  brokerUrl,
  deleteByPrefix,
  rabbitmqAvailable,
  runPrefix,
  startBroker,
  stopBroker,
} from './test-support/broker.js';

const postgres = process.env['WHIZBANG_TEST_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const available =
  (await rabbitmqAvailable()) &&
  (await realService({ name: 'PostgreSQL', port: Number(new URL(postgres).port || 5432) }));
const node = fileURLToPath(new URL('./test-support/messaging-chaos-node.mjs', import.meta.url));
const sagaNode = fileURLToPath(new URL('./test-support/saga-chaos-node.mjs', import.meta.url));
const schema = `wbmc_rabbitmq_${process.pid}_${Date.now().toString(36)}`;
const prefix = runPrefix('chaos');

describe.runIf(available)('rabbitmq: messaging under fire', () => {
  afterAll(async () => {
    await deleteByPrefix(prefix);
    const client = new Client({ connectionString: postgres });
    await client.connect();
    try {
      await client.query(
        `DROP SCHEMA IF EXISTS "${schema}" CASCADE; DROP SCHEMA IF EXISTS "${schema}_poison" CASCADE; DROP SCHEMA IF EXISTS "${schema}_sagas" CASCADE`,
      );
    } finally {
      await client.end();
    }
  });
  messagingChaosConformance('rabbitmq', {
    command: [process.execPath, node, postgres, schema, brokerUrl, prefix],
    open: async () => {
      const store = postgresStore({ connectionString: postgres, schema });
      await store.migrate();
      return store;
    },
    stopBroker,
    startBroker,
  });
  sagaTimeoutChaosConformance('rabbitmq', {
    command: [process.execPath, sagaNode, postgres, `${schema}_sagas`, brokerUrl, prefix],
    open: async () => {
      const store = postgresStore({ connectionString: postgres, schema: `${schema}_sagas` });
      await store.migrate();
      return store;
    },
  });
  poisonMessageConformance('rabbitmq', {
    connect: () => rabbitmqTransport({ url: brokerUrl, prefix }),
    open: async () => {
      const store = postgresStore({ connectionString: postgres, schema: `${schema}_poison` });
      await store.migrate();
      return store;
    },
  });
});
