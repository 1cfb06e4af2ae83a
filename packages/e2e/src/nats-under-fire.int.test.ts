// The messaging and saga chaos suites on NATS JetStream, with PostgreSQL as the store the nodes share.
import { fileURLToPath } from 'node:url';
import { afterAll, describe } from 'vitest';
import { natsTransport } from '@whizbang/nats';
import {
  messagingChaosConformance,
  poisonMessageConformance,
  sagaTimeoutChaosConformance,
} from '@whizbang/testing/conformance';
import { postgres, postgresAvailable, schemas } from './test-support/postgres.js';
import { deleteStreams, testNats, testPrefix } from '../../nats/src/test-support/nats.js';

const nats = await testNats();
const available = nats.available && (await postgresAvailable());
const node = fileURLToPath(new URL('./test-support/nats-messaging-chaos-node.mjs', import.meta.url));
const sagaNode = fileURLToPath(new URL('./test-support/nats-saga-chaos-node.mjs', import.meta.url));
const db = schemas('wbmc_nats');
const [messages, sagas, poison] = [db.of('messages'), db.of('sagas'), db.of('poison')];
const prefix = testPrefix();

// Needs a server this test may stop: the one it started (not an external WHIZBANG_TEST_NATS).
describe.runIf(available && nats.down !== undefined)('nats: messaging under fire', () => {
  afterAll(async () => {
    try {
      await deleteStreams(nats.url, prefix);
    } finally {
      await nats.stop();
      await db.drop();
    }
  });
  messagingChaosConformance('nats', {
    command: [process.execPath, node, postgres, messages, nats.url, prefix],
    open: () => db.open(messages),
    stopBroker: () => nats.down!(),
    startBroker: () => nats.up!(),
    connect: () => natsTransport({ servers: nats.url, prefix, ackWaitMs: 5_000 }),
  });
  sagaTimeoutChaosConformance('nats', {
    command: [process.execPath, sagaNode, postgres, sagas, nats.url, prefix],
    open: () => db.open(sagas),
  });
  poisonMessageConformance('nats', {
    connect: () => natsTransport({ servers: nats.url, prefix, ackWaitMs: 5_000 }),
    open: () => db.open(poison),
  });
});
