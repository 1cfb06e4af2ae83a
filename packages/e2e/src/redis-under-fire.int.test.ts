// The messaging and saga chaos suites on Redis Streams, with PostgreSQL as the store the nodes share.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe } from 'vitest';
import {
  messagingChaosConformance,
  poisonMessageConformance,
  sagaTimeoutChaosConformance,
} from '@whizbang/testing/conformance';
import { postgres, postgresAvailable, schemas } from './test-support/postgres.js';
import { redisTransport } from '@whizbang/redis';
import { DurableRedis } from './test-support/durable-redis.js';
import { redisAvailable } from '../../redis/src/test-support/redis.js';

const available = (await redisAvailable()) && (await postgresAvailable());
const node = fileURLToPath(new URL('./test-support/redis-messaging-chaos-node.mjs', import.meta.url));
const sagaNode = fileURLToPath(new URL('./test-support/redis-saga-chaos-node.mjs', import.meta.url));
const db = schemas('wbmc_redis');
const [messages, sagas, poison] = [db.of('messages'), db.of('sagas'), db.of('poison')];
const redis = new DurableRedis(6391);

describe.runIf(available)('redis: messaging under fire', () => {
  beforeAll(() => redis.start());
  afterAll(async () => {
    await redis.dispose();
    await db.drop();
  });
  messagingChaosConformance('redis', {
    command: [process.execPath, node, postgres, messages, redis.url, `chaos:${process.pid}:`],
    open: () => db.open(messages),
    stopBroker: () => redis.stop(),
    startBroker: () => redis.start(),
    connect: () =>
      redisTransport({ url: redis.url, prefix: `chaos:${process.pid}:`, onError: () => undefined }),
  });
  sagaTimeoutChaosConformance('redis', {
    command: [process.execPath, sagaNode, postgres, sagas, redis.url, `sagas:${process.pid}:`],
    open: () => db.open(sagas),
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
    open: () => db.open(poison),
  });
});
