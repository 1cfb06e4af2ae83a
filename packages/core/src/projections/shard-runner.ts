/**
 * Runs one shard while its node holds the shard's lease: read a batch of the shard's events
 * after its checkpoint, hand it to the shard's work (which commits its effects and the new
 * checkpoint, fenced by the lease), and again, or wait for an append. Errors are retried with
 * back-off; a lost lease ends the runner.
 */
import { pause } from '../async/sleep.js';
import { isCheckpointConflictError, isDocumentConflictError, isLeaseLostError } from '../errors/catalog.js';
import { compareLogPositions } from '../event-store/log-position.js';
import { LOG_START, type LogPosition, type RecordedEvent } from '../event-store/types.js';
import type { LeaseToken, Store } from '../store/ports.js';
import type { FailedEvent } from './apply-events.js';
import { DocumentCache } from './document-cache.js';
import type { BatchOutcome, Shard } from './generations.js';
import { SpanKind, ROOT_CONTEXT, type Link } from '@opentelemetry/api';
import { ATTR } from '../observability/semantic.js';
import type { StepSink, Telemetry } from '../observability/telemetry.js';
import { SAGA_REACTOR_PREFIX } from '../sagas/saga-reactor-name.js';
import { spanContextOf } from '../observability/trace-context.js';

/** Most links a batch span carries to the spans that appended its events. */
const MAX_LINKS = 32;

const THROUGHPUT_WINDOW_MS = 10_000;

export type ShardState = 'running' | 'idle' | 'retrying' | 'stopped';

export interface ShardRunnerSettings {
  readonly store: Store;
  readonly telemetry: Telemetry;
  readonly batchSize: number;
  readonly pollIntervalMs: number;
  /** The most documents a projection shard keeps between batches (0: none). */
  readonly cacheDocuments: number;
  /** Told about errors the runner recovers from by retrying. */
  readonly onError: (shard: Shard, error: unknown) => void;
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
  /** Resolves once the runner knows where it starts (its checkpoint), or has failed to. */
  readonly ready: Promise<void>;
  #markReady!: () => void;
  readonly #abort = new AbortController();
  #checkpoint: LogPosition | undefined;
  #loaded = false;
  #replaying: boolean;
  #prefetched: { from: LogPosition; head: LogPosition; batch: Promise<RecordedEvent[]> } | undefined;
  /** Documents this shard wrote, good while it holds the lease and every batch commits. */
  readonly #cache: DocumentCache;
  /** Batches of the last ten seconds: when, and how many events. */
  readonly #recent: { at: number; events: number }[] = [];

  constructor(
    readonly shard: Shard,
    readonly lease: LeaseToken,
    readonly settings: ShardRunnerSettings,
  ) {
    this.#replaying = shard.replaying;
    this.#cache = new DocumentCache(settings.cacheDocuments);
    this.ready = new Promise((resolve) => (this.#markReady = resolve));
    this.done = this.#run().finally(() => this.#markReady());
  }

  /** Events consumed per second over the last ten seconds. */
  get eventsPerSecond(): number {
    const since = Date.now() - THROUGHPUT_WINDOW_MS;
    while (this.#recent.length > 0 && this.#recent[0]!.at < since) this.#recent.shift();
    return this.#recent.reduce((sum, b) => sum + b.events, 0) / (THROUGHPUT_WINDOW_MS / 1000);
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
    let conflicted = false;
    while (!signal.aborted) {
      const wake = events.nextAppend();
      const onAbort = () => wake.cancel();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        const caughtUp = await this.#step(signal);
        backoff = 0;
        conflicted = false;
        if (this.stoppedBy) return;
        if (caughtUp) {
          this.state = 'idle';
          await Promise.race([wake.promise, pause(this.settings.pollIntervalMs, signal)]);
        }
      } catch (error) {
        this.#cache.clear();
        if (isLeaseLostError(error)) {
          this.leaseLost = true;
          return;
        }
        if (isCheckpointConflictError(error)) {
          // Moved by a former holder's last commit: start again from what is stored.
          this.#loaded = false;
          continue;
        }
        if (isDocumentConflictError(error) && !conflicted) {
          // A document was changed by someone else (a dead-letter replay, an operator) since the
          // shard read or cached it: the batch rolled back; run it again on what is stored.
          conflicted = true;
          continue;
        }
        if (signal.aborted) return;
        this.#markReady(); // started, if not well: the error is in its status and it retries
        this.errors++;
        this.settings.telemetry.metrics?.projectionErrors.add(1, {
          [ATTR.projection]: this.shard.source,
          [ATTR.partition]: this.shard.partition,
        });
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
    const { name } = this.shard;
    if (!this.#loaded) {
      this.#checkpoint = (await store.checkpoints.get(name))?.position;
      if (this.#checkpoint === undefined && this.shard.startAtHead) {
        // A new reactor: what happened before it existed is history, not work.
        const head = await store.events.readHeadPosition();
        await store.checkpoints.compareAndSet(name, undefined, head, { lease: this.lease });
        this.#checkpoint = head;
      }
      this.#loaded = true;
      this.#markReady();
    }
    const from = this.#checkpoint;
    // A page read while the previous batch committed, if it starts where that batch ended.
    const prefetched = this.#prefetched;
    this.#prefetched = undefined;
    const usable = prefetched && samePosition(prefetched.from, from);
    const head = usable ? prefetched.head : await store.events.readHeadPosition();
    const batch = usable ? await prefetched.batch : await this.#read(from, head, signal);
    const caughtUp = batch.length < batchSize;
    if (batch.length === 0 && compareLogPositions(head, from ?? LOG_START) <= 0) return true;
    if (batch.length > 0) this.state = 'running';
    if (!caughtUp) {
      // Read the next page while this one commits: the round trips overlap.
      const next = batch.at(-1)!.logPosition;
      const read = this.#read(next, head, signal);
      read.catch(() => undefined); // awaited (and its error seen) by the next step, if used
      this.#prefetched = { from: next, head, batch: read };
    }
    const process = () =>
      this.shard.work.process({
        store,
        name,
        batch,
        from,
        head,
        caughtUp,
        lease: this.lease,
        signal,
        replaying: this.#replaying,
        cache: this.#cache,
      });
    const { telemetry } = this.settings;
    const startedAt = Date.now();
    const started = performance.now();
    const outcome =
      telemetry.tracer === undefined || batch.length === 0
        ? await process()
        : await this.#traced(batch, process);
    if (telemetry.journeys !== undefined && !this.#replaying)
      this.#recordSteps(telemetry.journeys, batch, outcome, startedAt, performance.now() - started);
    const series = { [ATTR.projection]: this.shard.source, [ATTR.partition]: this.shard.partition };
    telemetry.metrics?.projectionEvents.add(outcome.consumed, series);
    if (outcome.failed > 0)
      telemetry.metrics?.deadLetters.add(outcome.failed, { [ATTR.source]: this.shard.kind });
    if (outcome.next) this.#checkpoint = outcome.next;
    this.processed += outcome.consumed;
    this.#recent.push({ at: Date.now(), events: outcome.consumed });
    if (this.#recent.length > 10_000) this.#recent.shift();
    this.deadLettered += outcome.failed;
    if (outcome.stoppedAt) {
      this.stoppedBy = outcome.stoppedAt;
      this.lastError = outcome.stoppedAt.error;
      this.state = 'stopped';
    }
    return caughtUp;
  }

  /**
   * A batch as a span (`project <projection>` or `react <reactor>`): a root of its own, linked
   * to the spans that appended its first events (a batch spans many traces).
   */
  #traced<T>(batch: readonly RecordedEvent[], process: () => Promise<T>): Promise<T> {
    const links: Link[] = [];
    for (const event of batch) {
      const traceparent = event.metadata.traceparent;
      const linked =
        traceparent === undefined ? undefined : spanContextOf(traceparent, event.metadata.tracestate);
      if (linked !== undefined) links.push({ context: linked });
      if (links.length >= MAX_LINKS) break;
    }
    const { shard } = this;
    return this.settings.telemetry.span(
      `${shard.kind === 'projection' ? 'project' : 'react'} ${shard.source}`,
      SpanKind.INTERNAL,
      {
        [ATTR.projection]: shard.source,
        [ATTR.partition]: shard.partition,
        [ATTR.eventCount]: batch.length,
        'whizbang.generation': shard.generation.generation,
        'whizbang.replaying': this.#replaying,
      },
      ROOT_CONTEXT,
      process,
      links,
    );
  }

  /**
   * Each event the batch dealt with, as a journey step of this projection or reactor (its
   * duration is the batch's). Not while replaying: a rebuild is not part of anyone's journey.
   * A saga's reactor is left out: the saga records its own steps.
   */
  #recordSteps(
    journeys: StepSink,
    batch: readonly RecordedEvent[],
    outcome: BatchOutcome,
    startedAt: number,
    durationMs: number,
  ): void {
    const { shard } = this;
    if (shard.kind === 'reactor' && shard.source.startsWith(SAGA_REACTOR_PREFIX)) return;
    const failures = new Map((outcome.failures ?? []).map((f) => [f.event.id, f.error]));
    for (const event of batch.slice(0, outcome.consumed + (outcome.stoppedAt ? 1 : 0))) {
      const traceparent = event.metadata.traceparent;
      journeys.record({
        kind: shard.kind,
        messageType: event.type,
        handler: shard.source,
        envelope: event,
        startedAt,
        durationMs,
        ok: !failures.has(event.id),
        error: failures.get(event.id),
        traceId: traceparent?.slice(3, 35),
        budget: undefined,
        result: undefined,
      });
    }
  }

  /** Up to a batch of the shard's events after `from`, no further than `head`. */
  async #read(
    from: LogPosition | undefined,
    head: LogPosition,
    signal: AbortSignal,
  ): Promise<RecordedEvent[]> {
    const { store, batchSize } = this.settings;
    const { eventTypes, partitions, partition } = this.shard;
    const filter = {
      types: eventTypes,
      ...(partitions > 1 && { partition: { count: partitions, index: partition } }),
    };
    const batch: RecordedEvent[] = [];
    const after = from ?? LOG_START;
    for await (const event of store.events.readAll({ after, until: head, batchSize, filter, signal })) {
      batch.push(event);
      if (batch.length >= batchSize) break;
    }
    return batch;
  }
}

const samePosition = (a: LogPosition | undefined, b: LogPosition | undefined): boolean =>
  a !== undefined && b !== undefined && compareLogPositions(a, b) === 0;
