/**
 * The outbox relay: claims due messages, has them delivered (published with the broker's
 * confirmation, see transport-delivery; or, with no broker, handed to this app's handlers, see
 * local-delivery), and sleeps until the next one falls due. Every node runs one; claims keep
 * them from delivering the same message at once, and a claim that runs out (its relay died)
 * frees the messages for the others.
 */
import { hostname } from 'node:os';
import { pause } from '../async/sleep.js';
import { uuidv7 } from '../ids/uuidv7.js';
import type { OutboxMessage, Store } from '../store/ports.js';
import type { TransportMessage } from '../transport/transport.js';
import { backoffDelay } from './backoff.js';
import type { RelayOptions } from './messaging-options.js';

/** The transport form of an outbox row. */
export function transportMessageOf(m: OutboxMessage): TransportMessage {
  return {
    id: m.id,
    type: m.type,
    body: m.body,
    headers: m.headers,
    ...(m.key !== undefined && { key: m.key }),
  };
}

/** Longest wait between delivery attempts of a message that keeps failing. */
export const RETRY_CEILING = { initialDelayMs: 250, maxDelayMs: 30_000 };

/**
 * How claimed messages reach their readers. It completes (or releases) what it delivered
 * (or could not) and returns how many it delivered; it throws to make the relay back off.
 */
export interface OutboxDelivery {
  deliver(owner: string, claimed: readonly OutboxMessage[]): Promise<number>;
}

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
    readonly delivery: OutboxDelivery,
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
          this.published += await this.delivery.deliver(this.owner, claimed);
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
}
