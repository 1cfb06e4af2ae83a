/**
 * The readiness probe: a round trip to the server (PING/PONG), then one to JetStream (its
 * account info), so a server whose JetStream is away does not pass for ready. Both are reads:
 * nothing on the server changes.
 */
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { describe, NatsUnavailableError } from './errors.js';

export interface PingTarget {
  readonly connection: NatsConnection;
  readonly jsm: JetStreamManager;
  /** For messages: the server URLs. */
  readonly servers: string;
  /** The whole probe's bound: the transport's request timeout. */
  readonly timeoutMs: number;
}

export async function pingNats({ connection, jsm, servers, timeoutMs }: PingTarget): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let step = 'the server';
  const probe = (async () => {
    await connection.flush();
    step = 'JetStream';
    await jsm.getAccountInfo();
  })();
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new NatsUnavailableError(`${step} at ${servers} did not answer a ping within ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
  });
  try {
    await Promise.race([probe, timedOut]);
  } catch (error) {
    if (error instanceof NatsUnavailableError) throw error;
    throw new NatsUnavailableError(
      `${step} at ${servers} did not answer a ping (${describe(error)})${step === 'JetStream' ? ': is JetStream enabled (-js) and the account allowed to use it?' : ''}`,
      { cause: error },
    );
  } finally {
    // A late answer or failure needs no handler of its own: the race has already heard it.
    clearTimeout(timer);
  }
}
