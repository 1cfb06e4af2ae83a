import { afterAll, describe } from 'vitest';
import { transportConformance } from '@whizbang/testing/conformance';
import { natsTransport } from './nats-transport.js';
import { deleteStreams, testNats, testPrefix } from './test-support/nats.js';

const nats = await testNats();
const prefix = testPrefix();
if (nats.available && !nats.restart)
  console.warn('WHIZBANG_TEST_NATS is an external server: the broker-restart case is skipped');

describe.runIf(nats.available)('nats', () => {
  afterAll(async () => {
    try {
      await deleteStreams(nats.url, prefix);
    } finally {
      await nats.stop();
    }
  });
  transportConformance('nats', {
    connect: () => natsTransport({ servers: nats.url, prefix, ackWaitMs: 2_000, requestTimeoutMs: 5_000 }),
    // A closed connection gives its deliveries back at once; the ack wait is the fallback.
    redeliveryTimeoutMs: 4_000,
    ...(nats.restart && { restartBroker: nats.restart }),
  });
});
