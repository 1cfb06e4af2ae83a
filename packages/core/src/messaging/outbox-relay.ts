/**
 * The outbox relay: claims due messages, publishes them with the broker's confirmation, and
 * completes them. Every node runs one; claims keep them from publishing the same message at
 * once, and a claim that runs out (its relay died) frees the messages for the others. A
 * failed publish releases its messages with back-off, so a broker that comes back finds them
 * waiting: nothing is stranded on a dead connection.
 */
import { hostname } from 'node:os';
import { pause } from '../async/sleep.js';
import { uuidv7 } from '../ids/uuidv7.js';
import type { OutboxMessage, Store } from '../store/ports.js';
import type { Transport, TransportMessage } from '../transport/transport.js';
import { backoffDelay } from './backoff.js';
import type { RelayOptions } from './messaging-options.js';

const toTransport = (m: OutboxMessage): TransportMessage => ({
  id: m.id,
  type: m.type,
  body: m.body,
  headers: m.headers,
  ...(m.key !== undefined && { key: m.key }),
});

/** Longest wait between publish attempts of a message that keeps failing. */
const RETRY_CEILING = { initialDelayMs: 250, maxDelayMs: 30_000 };

export interface OutboxRelayStatus {
  readonly owner: string;
  readonly published: number;
  readonly failures: number;
  readonly lastError: unknown;
}

export class OutboxRelay {
  readonly name = 'outbox-relay';
  readonly owner = `relay/${hostname()}/${process.pid}/${uuidv7()}`;
  published = 0;
  failures = 0;
  lastError: unknown;
  #loop: Promise<void> | undefined;
  #abort: AbortController | undefined;
  #pending = false;
  #wake: (() => void) | undefined;

  constructor(
    readonly store: Store,
    readonly transport: Transport,
    readonly options: Required<RelayOptions>,
    readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /** Messages were committed to the outbox: look now rather than at the next poll. */
  wake(): void {
    this.#pending = true;
    this.#wake?.();
  }

  async start(signal: AbortSignal): Promise<void> {
    this.#abort = new AbortController();
    const stop = AbortSignal.any([signal, this.#abort.signal]);
    this.#loop = this.#run(stop);
  }

  async stop(): Promise<void> {
    this.#abort?.abort();
    this.#wake?.();
    await this.#loop;
  }

  status(): OutboxRelayStatus {
    return {
      owner: this.owner,
      published: this.published,
      failures: this.failures,
      lastError: this.lastError,
    };
  }

  async #run(signal: AbortSignal): Promise<void> {
    let failedRounds = 0;
    while (!signal.aborted) {
      this.#pending = false;
      try {
        const claimed = await this.store.outbox.claim(this.owner, {
          limit: this.options.batchSize,
          leaseMs: this.options.leaseMs,
        });
        if (claimed.length > 0) {
          await this.#deliver(claimed);
          failedRounds = 0;
          continue;
        }
        failedRounds = 0;
        if (!this.#pending) await this.#idle(signal);
      } catch (error) {
        // The database or the broker is away: back off, then try again, for as long as it takes.
        this.failures++;
        this.lastError = error;
        this.onError(error);
        await pause(backoffDelay(++failedRounds, RETRY_CEILING), signal);
      }
    }
  }

  /** Sleeps until woken, the next message falls due, or the poll interval has passed. */
  async #idle(signal: AbortSignal): Promise<void> {
    const due = await this.store.outbox.nextDue();
    const wait =
      due === undefined
        ? this.options.pollIntervalMs
        : Math.min(this.options.pollIntervalMs, Math.max(0, due.getTime() - Date.now()));
    if (wait === 0 || this.#pending) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, wait);
      signal.addEventListener('abort', done, { once: true });
      this.#wake = done;
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
    });
    this.#wake = undefined;
  }

  /** Publishes claimed messages, destination by destination, in the order claimed. */
  async #deliver(claimed: readonly OutboxMessage[]): Promise<void> {
    const byDestination = new Map<string, OutboxMessage[]>();
    for (const message of claimed) {
      let batch = byDestination.get(message.destination);
      if (!batch) byDestination.set(message.destination, (batch = []));
      batch.push(message);
    }
    const batches = [...byDestination];
    for (const [index, [destination, batch]] of batches.entries()) {
      const ids = batch.map((m) => m.id);
      try {
        await this.transport.publish(destination, batch.map(toTransport));
      } catch (error) {
        const attempts = Math.max(...batch.map((m) => m.attempts)) + 1;
        const rest = batches.slice(index + 1).flatMap(([, later]) => later);
        // Give back this batch, with back-off, and the ones not yet tried, at once.
        await this.store.outbox
          .release(this.owner, ids, {
            retryAt: new Date(Date.now() + backoffDelay(attempts, RETRY_CEILING)),
            error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          })
          .catch(() => undefined); // if this fails too, the claim runs out and frees them
        if (rest.length > 0)
          await this.store.outbox
            .release(
              this.owner,
              rest.map((m) => m.id),
              { retryAt: new Date(), error: 'not tried: an earlier publish failed' },
            )
            .catch(() => undefined);
        throw error;
      }
      // Published: if completing fails, the claim runs out and the messages go again, which the inbox absorbs.
      await this.store.outbox.complete(this.owner, ids);
      this.published += batch.length;
    }
  }
}
