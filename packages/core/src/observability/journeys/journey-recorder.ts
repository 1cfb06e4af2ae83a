/**
 * The journey recorder: takes a step after each handler run, cheaply and without waiting, and
 * checks and writes the steps to the store in batches, off the hot path. Journeys are
 * diagnostics, so the recorder never fails a handler and never grows without bound: a full
 * buffer, a malformed step or a failed write drops steps and counts them. While started it also
 * purges steps past their retention.
 */
import { hostname } from 'node:os';
import type { BackgroundService } from '../../app/whizbang.js';
import { StateError, ValidationError, type ValidationIssue } from '../../errors/catalog.js';
import { MAX_BULK } from '../../store/port-input.js';
import type { DocumentWrite, Store } from '../../store/ports.js';
import { createRedactor, type Redactor } from '../redact.js';
import { journeyCollection, type NewJourneyStep, type StoredJourneyStep } from './journey-step.js';
import { capturedData, storedStep, type StepDefaults } from './journey-step-input.js';
import { isSampled } from './sampling.js';

const DAY_MS = 86_400_000;
/** Steps buffered at which a flush starts at once rather than on the timer. */
const FLUSH_AT = 1_000;
/** Old steps found and deleted per round trip by a purge. */
const PURGE_PAGE = 1_000;
/** setTimeout's longest delay. */
const MAX_DELAY = 2_147_483_647;

/** A step as recorded, waiting to be checked and written; its captured data as JSON text. */
interface BufferedStep {
  readonly step: NewJourneyStep;
  readonly dataJson: string | undefined;
}

export interface JourneyRecorderOptions {
  /** Where steps are written (`store.documents`, collection `whizbang.journeys`, default tenant). */
  readonly store: Store;
  /** The share of journeys kept, from 0 to 1 (default 1): the same ones in every service. */
  readonly sampleRate?: number;
  /** How long steps are kept, in days (default 7). */
  readonly retentionDays?: number;
  /** How often, while started, steps past retention are purged (default hourly). */
  readonly purgeIntervalMs?: number;
  /** Whether steps keep the message's data, masked by `redact` (default false). */
  readonly captureData?: boolean;
  /** Masks captured data (default `createRedactor()`: passwords, tokens, card numbers...). */
  readonly redact?: Redactor;
  /** The longest captured data kept, in characters of JSON (default 8192); longer becomes a marker. */
  readonly maxDataChars?: number;
  /** How long a recorded step may wait before it is written (default 250 ms). */
  readonly flushIntervalMs?: number;
  /** The most steps waiting to be written (default 10,000); beyond it steps are dropped. */
  readonly maxBuffered?: number;
  /** This process in the steps it records (default `host:pid`). */
  readonly node?: string;
  /** The messaging service, for steps recorded without one. */
  readonly service?: string;
  /** Told about failed writes and purges, and about steps dropped as malformed. */
  readonly onError?: (error: unknown) => void;
}

/** What the recorder has done since it was created, for metrics. */
export interface JourneyCounters {
  /** Steps taken for writing (sampled in, buffer not full). */
  recorded: number;
  /** Steps lost: the buffer was full, the step was malformed, or its batch failed to write. */
  dropped: number;
  /** Steps written to the store. */
  flushed: number;
}

function checkOptions(options: JourneyRecorderOptions): void {
  const issues: ValidationIssue[] = [];
  const check = (field: keyof JourneyRecorderOptions, ok: (v: number) => boolean, message: string) => {
    const value = options[field];
    if (value !== undefined && (typeof value !== 'number' || !ok(value)))
      issues.push({ message, path: [field] });
  };
  const count = (v: number) => Number.isSafeInteger(v) && v >= 1;
  check('sampleRate', (v) => v >= 0 && v <= 1, 'must be a number from 0 to 1');
  check('retentionDays', (v) => Number.isFinite(v) && v > 0, 'must be a number of days above 0');
  check('purgeIntervalMs', (v) => count(v) && v <= MAX_DELAY, `must be an integer from 1 to ${MAX_DELAY}`);
  check('flushIntervalMs', (v) => count(v) && v <= MAX_DELAY, `must be an integer from 1 to ${MAX_DELAY}`);
  check('maxBuffered', count, 'must be an integer of at least 1');
  check('maxDataChars', count, 'must be an integer of at least 1');
  if (typeof options.store?.documents?.putMany !== 'function')
    issues.push({ message: 'must be a store', path: ['store'] });
  if (issues.length > 0) throw new ValidationError(issues, 'JourneyRecorder options');
}

/**
 * Records message journeys. Run it as one of the app's services so it flushes and purges while
 * the app runs; the mediator, consumers, daemon and sagas call `record` after each handler.
 * @example
 * const journeys = new JourneyRecorder({ store, sampleRate: 0.1, retentionDays: 3 });
 * const app = whizbang({ store, handlers, services: [journeys] });
 * await app.start();
 * journeys.record({
 *   correlationId, messageId, messageType: 'PlaceOrder', kind: 'command', handler: 'place-order',
 *   startedAt, durationMs: 3.2, outcome: 'ok',
 * });
 */
export class JourneyRecorder implements BackgroundService, AsyncDisposable {
  readonly name = 'journey-recorder';
  /** This process, as recorded in steps without a node of their own. */
  readonly node: string;
  readonly counters: JourneyCounters = { recorded: 0, dropped: 0, flushed: 0 };
  readonly #store: Store;
  readonly #sampleRate: number;
  readonly #retentionMs: number;
  readonly #purgeIntervalMs: number;
  readonly #flushIntervalMs: number;
  readonly #maxBuffered: number;
  readonly #defaults: StepDefaults;
  /** Masks captured data; undefined when data is not captured. */
  readonly #capture: Redactor | undefined;
  readonly #maxDataChars: number;
  readonly #onError: (error: unknown) => void;
  #buffer: BufferedStep[] = [];
  #flushing: Promise<void> = Promise.resolve();
  #queued: Promise<void> | undefined;
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #purgeTimer: ReturnType<typeof setTimeout> | undefined;
  #purging: Promise<unknown> = Promise.resolve();
  #running = false;

  constructor(options: JourneyRecorderOptions) {
    checkOptions(options);
    this.#store = options.store;
    this.node = options.node ?? `${hostname()}:${process.pid}`;
    this.#sampleRate = options.sampleRate ?? 1;
    this.#retentionMs = (options.retentionDays ?? 7) * DAY_MS;
    this.#purgeIntervalMs = options.purgeIntervalMs ?? 3_600_000;
    this.#flushIntervalMs = options.flushIntervalMs ?? 250;
    this.#maxBuffered = options.maxBuffered ?? 10_000;
    this.#onError = options.onError ?? (() => undefined);
    this.#defaults = { node: this.node, service: options.service };
    this.#capture = options.captureData ? (options.redact ?? createRedactor()) : undefined;
    this.#maxDataChars = options.maxDataChars ?? 8_192;
  }

  /** Whether the journey of `correlationId` is kept: the same answer in every process. */
  sampled(correlationId: string): boolean {
    return isSampled(correlationId, this.#sampleRate);
  }

  /** Steps waiting to be written. */
  get buffered(): number {
    return this.#buffer.length;
  }

  /**
   * Takes a step for writing, if its journey is sampled and the buffer has room; returns whether
   * it was taken. Synchronous, cheap and never throws: the step is checked when it is written,
   * and a malformed one is then dropped and reported to `onError`, so do not change a step
   * after recording it. Captured data is masked and copied now, so later changes to it do not
   * leak in.
   */
  record(step: NewJourneyStep): boolean {
    try {
      if (!this.sampled(step.correlationId)) return false;
      if (this.#buffer.length >= this.#maxBuffered) {
        this.counters.dropped++;
        return false;
      }
      const dataJson =
        this.#capture && step.data !== undefined
          ? capturedData(step.data, this.#capture, this.#maxDataChars)
          : undefined;
      this.#buffer.push({ step, dataJson });
      this.counters.recorded++;
      if (this.#running && this.#buffer.length >= FLUSH_AT) void this.flush();
      else this.#scheduleFlush();
      return true;
    } catch (error) {
      this.counters.dropped++;
      this.#report(error);
      return false;
    }
  }

  /**
   * Writes every step recorded so far. Never rejects: a batch that fails to write is reported
   * to `onError`, counted as dropped, and not retried.
   */
  flush(): Promise<void> {
    // One flush waits behind the running one at most: it drains whatever is buffered when it
    // starts, so it also serves every call made while it waits.
    this.#queued ??= this.#flushing = this.#flushing.then(() => {
      this.#queued = undefined;
      // Never let the chain reject: every later flush waits on it.
      return this.#drain().catch((error: unknown) => this.#report(error));
    });
    return this.#queued;
  }

  /**
   * Deletes the steps that started more than `retentionDays` before `now` (default: the current
   * time); returns how many. Safe to run from several processes at once.
   */
  async purge(now: Date | number = Date.now()): Promise<number> {
    return this.#purge(typeof now === 'number' ? now : now.getTime(), () => true);
  }

  /** Creates the collection's indexes, then flushes on a timer and purges now and periodically. */
  async start(): Promise<void> {
    if (this.#running) throw new StateError('The journey recorder is already running');
    // A store that may not change its schema (strict tenancy) still records, unindexed.
    await this.#store.documents.createIndexes(journeyCollection).catch((error: unknown) => {
      this.#report(error);
    });
    this.#running = true;
    if (this.#buffer.length > 0) this.#scheduleFlush();
    this.#purgeNow();
  }

  /** Stops the timers, ends a purge at its next page, and writes what is buffered. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#flushTimer);
    clearTimeout(this.#purgeTimer);
    this.#flushTimer = this.#purgeTimer = undefined;
    await this.#purging;
    await this.flush();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  #scheduleFlush(): void {
    if (!this.#running || this.#flushTimer !== undefined) return;
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = undefined;
      void this.flush();
    }, this.#flushIntervalMs);
    // Journeys never keep a process alive on their own.
    this.#flushTimer.unref();
  }

  async #drain(): Promise<void> {
    while (this.#buffer.length > 0) {
      const batch = this.#buffer.splice(0, MAX_BULK);
      // A step recorded twice before a flush (a quick redelivery) is written once, the last one.
      const documents = new Map<string, DocumentWrite<StoredJourneyStep>>();
      let steps = 0;
      for (const { step: input, dataJson } of batch) {
        const checked = storedStep(input, this.#defaults);
        if ('issues' in checked) {
          this.counters.dropped++;
          this.#report(new ValidationError(checked.issues, 'journey step'));
          continue;
        }
        const { step } = checked;
        const data: StoredJourneyStep = {
          ...step,
          ...(dataJson !== undefined && { data: JSON.parse(dataJson) as unknown }),
          startedAtDesc: -step.startedAt,
        };
        documents.set(step.id, { id: step.id, data });
        steps++;
      }
      if (steps === 0) continue;
      try {
        await this.#store.documents.putMany(journeyCollection, [...documents.values()]);
        this.counters.flushed += steps;
      } catch (error) {
        this.counters.dropped += steps;
        this.#report(error);
      }
    }
  }

  #purgeNow(): void {
    this.#purging = this.#purge(Date.now(), () => this.#running)
      .catch((error: unknown) => this.#report(error))
      .finally(() => {
        if (!this.#running) return;
        this.#purgeTimer = setTimeout(() => this.#purgeNow(), this.#purgeIntervalMs);
        this.#purgeTimer.unref();
      });
  }

  async #purge(now: number, going: () => boolean): Promise<number> {
    // Started before the cutoff, on the field whose index serves the filter and the order, so
    // each page is an index range scan that stops at the limit.
    const where = { startedAtDesc: { gt: -(now - this.#retentionMs) } };
    const { documents } = this.#store;
    let deleted = 0;
    while (going()) {
      const page = await documents.find(journeyCollection, {
        where,
        orderBy: ['startedAtDesc'],
        limit: PURGE_PAGE,
      });
      if (page.documents.length === 0) break;
      deleted += await documents.deleteMany(
        journeyCollection,
        page.documents.map((d) => d.id),
      );
      if (page.next === undefined) break;
    }
    return deleted;
  }

  #report(error: unknown): void {
    try {
      this.#onError(error);
    } catch {
      // A failing error handler must not turn a lost diagnostic into a failed handler.
    }
  }
}
