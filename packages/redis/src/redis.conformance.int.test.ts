import { afterAll, describe } from 'vitest';
import { transportConformance } from '@whizbang/testing/conformance';
import { redisTransport } from './redis-transport.js';
import {
  deleteTestKeys,
  freshPrefix,
  killClientConnections,
  redisAvailable,
  redisUrl,
} from './test-support/redis.js';

const available = await redisAvailable();
const prefix = freshPrefix();

describe.runIf(available)('redis', () => {
  afterAll(() => deleteTestKeys());
  // A short claim idle time, so what a closed connection left behind is redelivered quickly.
  transportConformance('redis', {
    connect: () =>
      redisTransport({ url: redisUrl, prefix, claimIdleMs: 1_000, blockMs: 200, onError: () => undefined }),
    redeliveryTimeoutMs: 3_000,
    // Drops every connection rather than restarting the server: it runs without persistence
    // here, so a real restart would lose the streams (see the README on AOF).
    restartBroker: killClientConnections,
  });
});
