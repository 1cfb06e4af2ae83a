import { afterAll, describe } from 'vitest';
import { transportConformance } from '@whizbang/testing/conformance';
import { rabbitmqTransport } from './rabbitmq-transport.js';
import {
  brokerUrl,
  deleteByPrefix,
  rabbitmqAvailable,
  restartBroker,
  runPrefix,
} from './test-support/broker.js';

const available = await rabbitmqAvailable();

describe.runIf(available)('rabbitmq', () => {
  const prefix = runPrefix('conf');
  afterAll(() => deleteByPrefix(prefix), 60_000);
  transportConformance('rabbitmq', {
    // A short reconnect cap, so the restart case does not wait out a long backoff.
    connect: () => rabbitmqTransport({ url: brokerUrl, prefix, reconnect: { maxDelayMs: 500 } }),
    // RabbitMQ requeues what a closed channel held at once; there is no timer to wait out.
    redeliveryTimeoutMs: 2_000,
    restartBroker,
  });
});
