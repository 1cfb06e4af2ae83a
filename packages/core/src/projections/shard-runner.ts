/**
 * Runs one shard while its node holds the shard's lease: read a batch of the projection's
 * events after the checkpoint, apply it, and commit the documents, the dead letters and the
 * new checkpoint in one transaction, fenced by the lease. Then again, or wait for an append.
 */
import { pause } from '../async/sleep.js';
import { isCheckpointConflictError, isLeaseLostError } from '../errors/catalog.js';
import { compareLogPositions } from '../event-store/log-position.js';
import { LOG_START, type LogPosition, type RecordedEvent } from '../event-store/types.js';
import { failureInfo } from '../store/port-input.js';
import type { LeaseToken, Store, StoreSession } from '../store/ports.js';
import { applyEvents, type FailedEvent } from './apply-events.js';
import { eventToJson } from './event-payload.js';
import type { Shard } from './generations.js';

export type ShardState = 'running' | 'idle' | 'retrying' | 'stopped';

export interface ShardRunnerSettings {
  readonly store: Store;
  readonly batchSize: number;
  readonly pollIntervalMs: number;
  /** Told about errors the runner recovers from by retrying. */
  readonly onError: (shard: Shard, error: unknown) => void;
}

const max = (a: LogPosition, b: LogPosition) => (compareLogPositions(a, b) >= 0 ? a : b);

/** Parks failed events with their errors, in the batch's transaction. */
async function deadLetter(tx: StoreSession, shard: Shard, failed: readonly FailedEvent[]): Promise<void> {
  for (const { event, error, attempts } of failed) {
    await tx.deadLetters.add({
      source: shard.projection.name,
      tenantId: event.tenantId,
      messageId: event.id,
      messageType: event.type,
      position: event.logPosition,
      payload: eventToJson(event),
      error: failureInfo(error),
      attempts,
    });
  }
}

export class ShardRunner {
  state: ShardState = 'running';
  /** Events consumed since this node took the shard. */
  processed = 0;
  deadLettered = 0;
  errors = 0;
  lastError: unknown;
  /** The error the projection stopped at, under policy `'stop'`. */
  stoppedBy: FailedEvent | undefined;
  /** Whether the runner ended because the lease was lost. */
  leaseLost = false;
  readonly done: Promise<void>;
  readonly #abort = new AbortController();
  #checkpoint: LogPosition | undefined;
  #loaded = false;
  #replaying: boolean;

  constructor(
    readonly shard: Shard,
    readonly lease: LeaseToken,
    readonly settings: ShardRunnerSettings,
  ) {
    this.#replaying = shard.replaying;
    this.done = this.#run();
  }

  /** Whether handlers are told they replay: true while building beside the serving generation. */
  get replaying(): boolean {
    return this.#replaying;
  }

  /** The generation was switched in: its handlers are live from the next batch on. */
  servesReads(): void {
    this.#replaying = false;
  }

  get checkpoint(): LogPosition | undefined {
    return this.#checkpoint;
  }

  /** Stops after the batch in flight (its commit still fenced by the lease); resolves when stopped. */
  stop(): Promise<void> {
    this.#abort.abort();
    return this.done;
  }

  async #run(): Promise<void> {
    const { signal } = this.#abort;
    const { events } = this.settings.store;
    let backoff = 0;
    while (!signal.aborted) {
      const wake = events.nextAppend();
      const onAbort = () => wake.cancel();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        const caughtUp = await this.#step(signal);
        backoff = 0;
        if (this.stoppedBy) return;
        if (caughtUp) {
          this.state = 'idle';
          await Promise.race([wake.promise, pause(this.settings.pollIntervalMs, signal)]);
        }
      } catch (error) {
        if (isLeaseLostError(error)) {
          this.leaseLost = true;
          return;
        }
        if (isCheckpointConflictError(error)) {
          // Moved by a former holder's last commit: start again from what is stored.
          this.#loaded = false;
          continue;
        }
        if (signal.aborted) return;
        this.errors++;
        this.lastError = error;
        this.state = 'retrying';
        this.settings.onError(this.shard, error);
        backoff = Math.min(30_000, Math.max(100, backoff * 2));
        await pause(backoff, signal);
      } finally {
        signal.removeEventListener('abort', onAbort);
        wake.cancel();
      }
    }
  }

  /** One batch; returns whether the shard has caught up with the head. */
  async #step(signal: AbortSignal): Promise<boolean> {
    const { store, batchSize } = this.settings;
    const { projection, partition, name } = this.shard;
    if (!this.#loaded) {
      this.#checkpoint = (await store.checkpoints.get(name))?.position;
      this.#loaded = true;
    }
    const from = this.#checkpoint;
    const head = await store.events.readHeadPosition();
    const batch: RecordedEvent[] = [];
    const filter = {
      types: projection.eventTypes,
      ...(projection.partitions > 1 && { partition: { count: projection.partitions, index: partition } }),
    };
    for await (const event of store.events.readAll({ after: from ?? LOG_START, batchSize, filter, signal })) {
      batch.push(event);
      if (batch.length >= batchSize) break;
    }
    const caughtUp = batch.length < batchSize;
    if (batch.length === 0 && compareLogPositions(head, from ?? LOG_START) <= 0) return true;
    if (batch.length > 0) this.state = 'running';
    const outcome = await store.transaction(async (tx) => {
      const result = await applyEvents(projection, batch, tx, {
        mode: 'daemon',
        signal,
        collection: this.shard.collection,
        replaying: this.#replaying,
      });
      await deadLetter(tx, this.shard, result.failed);
      const last = batch[result.consumed - 1]?.logPosition;
      // Caught up: every event of the projection up to the head is done, so the checkpoint may
      // pass over the other projections' events as well.
      const next = result.stoppedAt ? last : caughtUp ? max(last ?? LOG_START, head) : last;
      if (next && compareLogPositions(next, from ?? LOG_START) > 0)
        await tx.checkpoints.compareAndSet(name, from, next, { lease: this.lease });
      return { result, next };
    });
    const { result, next } = outcome;
    if (next && compareLogPositions(next, from ?? LOG_START) > 0) this.#checkpoint = next;
    this.processed += result.consumed;
    this.deadLettered += result.failed.length;
    if (result.stoppedAt) {
      this.stoppedBy = result.stoppedAt;
      this.lastError = result.stoppedAt.error;
      this.state = 'stopped';
    }
    return caughtUp;
  }
}
