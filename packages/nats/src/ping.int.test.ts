// What the shared suite cannot show for NATS's ping: a server that answers while its JetStream
// does not is not ready, since every transport operation goes through JetStream.
import { afterAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { NatsUnavailableError } from './errors.js';
import { pingNats } from './ping.js';
import { testNats } from './test-support/nats.js';

const plain = await testNats({ jetstream: false });

describe.runIf(plain.available)('nats: ping', () => {
  afterAll(() => plain.stop());

  it('rejects when the server answers but JetStream does not, naming JetStream', async () => {
    const connection = await connect({ servers: plain.url });
    try {
      // Not checked on creation: a transport that lost its JetStream later is in the same state.
      const jsm = await jetstreamManager(connection, { checkAPI: false, timeout: 1_000 });
      const started = Date.now();
      const error = await pingNats({ connection, jsm, servers: plain.url, timeoutMs: 2_000 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(NatsUnavailableError);
      expect(String(error)).toMatch(/JetStream at nats:\/\/127\.0\.0\.1:\d+ did not answer a ping/);
      expect(Date.now() - started).toBeLessThan(2_500);
      await connection.flush(); // the server itself was there all along
    } finally {
      await connection.close();
    }
  });
});
