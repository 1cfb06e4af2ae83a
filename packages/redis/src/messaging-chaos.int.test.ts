import { fileURLToPath } from 'node:url';
import { Client } from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import {
  messagingChaosConformance,
  poisonMessageConformance,
  sagaTimeoutChaosConformance,
} from '@whizbang/testing/conformance';
import { postgresStore } from '@whizbang/postgres';
import { realService } from '@whizbang/testing';
import { redisTransport } from './redis-transport.js';
import { DurableRedis } from './test-support/durable-redis.js';
import { redisAvailable } from './test-support/redis.js';

const postgres = process.env['WHIZBANG_TEST_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const available =
  (await redisAvailable()) &&
  (await realService({ name: 'PostgreSQL', port: Number(new URL(postgres).port || 5432) }));
const node = fileURLToPath(new URL('./test-support/messaging-chaos-node.mjs', import.meta.url));
const sagaNode = fileURLToPath(new URL('./test-support/saga-chaos-node.mjs', import.meta.url));
const schema = `wbmc_redis_${process.pid}_${Date.now().toString(36)}`;
const redis = new DurableRedis(6391);

describe.runIf(available)('redis: messaging under fire', () => {
  beforeAll(() => redis.start());
  afterAll(async () => {
    await redis.dispose();
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
  messagingChaosConformance('redis', {
    command: [process.execPath, node, postgres, schema, redis.url, `chaos:${process.pid}:`],
    open: async () => {
      const store = postgresStore({ connectionString: postgres, schema });
      await store.migrate();
      return store;
    },
    stopBroker: () => redis.stop(),
    startBroker: () => redis.start(),
  });
  sagaTimeoutChaosConformance('redis', {
    command: [process.execPath, sagaNode, postgres, `${schema}_sagas`, redis.url, `sagas:${process.pid}:`],
    open: async () => {
      const store = postgresStore({ connectionString: postgres, schema: `${schema}_sagas` });
      await store.migrate();
      return store;
    },
  });
  poisonMessageConformance('redis', {
    connect: () =>
      redisTransport({
        url: redis.url,
        prefix: `poison:${process.pid}:`,
        claimIdleMs: 5_000,
        blockMs: 200,
        onError: () => undefined,
      }),
    open: async () => {
      const store = postgresStore({ connectionString: postgres, schema: `${schema}_poison` });
      await store.migrate();
      return store;
    },
  });
});
