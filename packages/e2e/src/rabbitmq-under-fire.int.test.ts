// The messaging and saga chaos suites on RabbitMQ, with PostgreSQL as the store the nodes share.
import { fileURLToPath } from 'node:url';
import { afterAll, describe } from 'vitest';
import { rabbitmqTransport } from '@whizbang/rabbitmq';
import {
  messagingChaosConformance,
  poisonMessageConformance,
  sagaTimeoutChaosConformance,
} from '@whizbang/testing/conformance';
import { postgres, postgresAvailable, schemas } from './test-support/postgres.js';
import {
  brokerUrl,
  deleteByPrefix,
  rabbitmqAvailable,
  runPrefix,
  startBroker,
  stopBroker,
} from '../../rabbitmq/src/test-support/broker.js';

const available = (await rabbitmqAvailable()) && (await postgresAvailable());
const node = fileURLToPath(new URL('./test-support/rabbitmq-messaging-chaos-node.mjs', import.meta.url));
const sagaNode = fileURLToPath(new URL('./test-support/rabbitmq-saga-chaos-node.mjs', import.meta.url));
const db = schemas('wbmc_rabbitmq');
const [messages, sagas, poison] = [db.of('messages'), db.of('sagas'), db.of('poison')];
const prefix = runPrefix('chaos');

describe.runIf(available)('rabbitmq: messaging under fire', () => {
  afterAll(async () => {
    await deleteByPrefix(prefix);
    await db.drop();
  });
  messagingChaosConformance('rabbitmq', {
    command: [process.execPath, node, postgres, messages, brokerUrl, prefix],
    open: () => db.open(messages),
    stopBroker,
    startBroker,
    connect: () => rabbitmqTransport({ url: brokerUrl, prefix }),
  });
  sagaTimeoutChaosConformance('rabbitmq', {
    command: [process.execPath, sagaNode, postgres, sagas, brokerUrl, prefix],
    open: () => db.open(sagas),
  });
  poisonMessageConformance('rabbitmq', {
    connect: () => rabbitmqTransport({ url: brokerUrl, prefix }),
    open: () => db.open(poison),
  });
});
