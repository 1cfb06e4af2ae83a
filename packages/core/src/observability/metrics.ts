/**
 * Whizbang's metrics, through the OpenTelemetry metrics API: counters and histograms the
 * runtime records as it works, and gauges read when a reader collects (projection lag, outbox
 * backlog). With no MeterProvider registered when the app is made, every instrument is a no-op.
 *
 * Names are `<prefix>.<name>` (prefix `whizbang` by default); a Prometheus exporter turns
 * `whizbang.handler.duration` (unit `s`) into `whizbang_handler_duration` (its `_bucket`, `_sum`
 * and `_count` series; the unit is in its `# UNIT` line, not its name).
 */
import {
  metrics,
  ValueType,
  type Attributes,
  type Counter,
  type Histogram,
  type Meter,
  type ObservableResult,
} from '@opentelemetry/api';
import { ValidationError } from '../errors/catalog.js';

/** The instrumentation scope of everything core records. */
export const INSTRUMENTATION_SCOPE = '@whizbang/core';

const PREFIX = /^[a-z][a-z0-9_]{0,31}$/;

/** Latency buckets in seconds, from 0.5 ms to 10 s: handlers and appends live at the low end. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SIZE_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000];

/** A reading of a gauge: its value and the attributes that tell series apart. */
export interface GaugeReading {
  readonly value: number;
  readonly attributes: Attributes;
}

/** Something read when metrics are collected (the daemon's lag, the outbox's backlog). */
export type GaugeSource = () => Promise<readonly GaugeReading[]> | readonly GaugeReading[];

export class WhizbangMetrics {
  readonly prefix: string;
  /** Messages handled, by kind, type and outcome (`ok`, `error`). */
  readonly handled: Counter;
  /** Time from dispatch to result of each handled message, in seconds. */
  readonly handlerDuration: Histogram;
  readonly appendDuration: Histogram;
  /** Events per append. */
  readonly appendSize: Histogram;
  /** Events a projection or reactor applied, by name and partition. */
  readonly projectionEvents: Counter;
  /** Batches a projection could not apply (before its retries or error policy decide). */
  readonly projectionErrors: Counter;
  readonly outboxPublished: Counter;
  /** Messages a consumer received again and skipped, its inbox having recorded them. */
  readonly inboxDuplicates: Counter;
  /** Messages and events set aside, by source. */
  readonly deadLetters: Counter;
  readonly sagaTimeouts: Counter;
  /** Handlers that ran over their budget, by kind, type and handler. */
  readonly budgetViolations: Counter;
  /** Requests served at the HTTP edge (`http.server.request.duration`, under the prefix). */
  readonly httpDuration: Histogram;
  readonly #meter: Meter;
  readonly #gauges = new Map<string, GaugeSource[]>();

  constructor(prefix = 'whizbang', meter: Meter = metrics.getMeter(INSTRUMENTATION_SCOPE)) {
    if (!PREFIX.test(prefix))
      throw new ValidationError(
        [
          {
            message: 'must be lower-case letters, digits and _, starting with a letter',
            path: ['metricPrefix'],
          },
        ],
        'observability',
      );
    this.prefix = prefix;
    this.#meter = meter;
    const name = (n: string) => `${prefix}.${n}`;
    const latency = (n: string, description: string) =>
      meter.createHistogram(name(n), {
        description,
        unit: 's',
        advice: { explicitBucketBoundaries: LATENCY_BUCKETS },
      });
    const count = (n: string, description: string, unit = '{message}') =>
      meter.createCounter(name(n), { description, unit, valueType: ValueType.INT });
    this.handled = count('messages.handled', 'Messages handled, by kind, type and outcome');
    this.handlerDuration = latency('handler.duration', 'Time to handle a message');
    this.appendDuration = latency('append.duration', 'Time to append to the event store');
    this.appendSize = meter.createHistogram(name('append.events'), {
      description: 'Events per append',
      unit: '{event}',
      valueType: ValueType.INT,
      advice: { explicitBucketBoundaries: SIZE_BUCKETS },
    });
    this.projectionEvents = count(
      'projection.events',
      'Events applied by projections and reactors',
      '{event}',
    );
    this.projectionErrors = count('projection.errors', 'Projection batches that failed', '{batch}');
    this.outboxPublished = count('outbox.published', 'Messages the outbox relay delivered');
    this.inboxDuplicates = count('inbox.duplicates', 'Redelivered messages the inbox skipped');
    this.deadLetters = count('dead_letters', 'Messages and events dead-lettered');
    this.sagaTimeouts = count('saga.timeouts', 'Saga timeouts that fired', '{timeout}');
    this.budgetViolations = count(
      'budget.violations',
      'Handlers that exceeded their latency budget',
      '{violation}',
    );
    this.httpDuration = latency('http.server.request.duration', 'Time to serve an HTTP request');
    this.#gauge(
      'projection.lag.positions',
      'Log positions a projection shard is behind the head',
      '{position}',
    );
    this.#gauge('projection.lag.seconds', 'Age of the oldest event a projection shard has not applied', 's');
    this.#gauge('outbox.backlog', 'Messages due in the outbox and not yet delivered', '{message}');
    this.#gauge('outbox.oldest_age', 'Age of the oldest due message in the outbox', 's');
  }

  /** Adds a source to the gauge `name` (without the prefix); returns a function that removes it. */
  observe(name: string, source: GaugeSource): () => void {
    const sources = this.#gauges.get(name);
    if (sources === undefined) throw new RangeError(`No gauge '${name}'`);
    sources.push(source);
    return () => {
      const at = sources.indexOf(source);
      if (at >= 0) sources.splice(at, 1);
    };
  }

  #gauge(name: string, description: string, unit: string): void {
    const sources: GaugeSource[] = [];
    this.#gauges.set(name, sources);
    this.#meter
      .createObservableGauge(`${this.prefix}.${name}`, { description, unit })
      .addCallback(async (result: ObservableResult) => {
        for (const source of sources) {
          // A failing source (a store that is down) leaves its series out of this collection.
          const readings = await Promise.resolve()
            .then(source)
            .catch(() => []);
          for (const reading of readings) result.observe(reading.value, reading.attributes);
        }
      });
  }
}

/**
 * One set of instruments per MeterProvider and prefix: apps in one process share them (an SDK
 * would otherwise see the same names registered twice), and a provider registered later (a
 * test's) gets its own.
 */
const shared = new WeakMap<object, Map<string, WhizbangMetrics>>();

export function metricsFor(prefix = 'whizbang'): WhizbangMetrics {
  const provider = metrics.getMeterProvider();
  let byPrefix = shared.get(provider);
  if (byPrefix === undefined) shared.set(provider, (byPrefix = new Map()));
  let found = byPrefix.get(prefix);
  if (found === undefined) byPrefix.set(prefix, (found = new WhizbangMetrics(prefix)));
  return found;
}

/**
 * A read shared by the gauges collected together (both lag gauges read one progress): calls
 * within 100 ms of a read get its result.
 */
export function oneReadPerCollection<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () =>
    (pending ??= read().finally(() => {
      setTimeout(() => (pending = undefined), 100).unref();
    }));
}
