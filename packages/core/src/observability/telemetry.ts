/**
 * What the runtime records about its work, in one place: spans (through the OpenTelemetry API),
 * metrics, log lines, performance budgets and journey steps. Made once per app from
 * `whizbang({ logger, observability })`; every part that is off costs nothing per message.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { hostname } from 'node:os';
import {
  context,
  metrics,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { ValidationError } from '../errors/catalog.js';
import type { MessageKind } from '../messages/define.js';
import type { Envelope } from '../messages/envelope.js';
import { jsonLogger, type Logger } from './logger.js';
import type { JourneyRecorderOptions } from './journeys/journey-recorder.js';
import { metricsFor, type WhizbangMetrics } from './metrics.js';
import { ATTR, errorAttributes } from './semantic.js';
import { parentContextFor, traceFieldsOf, type TraceFields } from './trace-context.js';

/** A handler's latency budget. */
export interface Budget {
  readonly maxLatencyMs: number;
}

/** A handler that ran over its budget, with where the time went. */
export interface BudgetViolation {
  readonly kind: MessageKind;
  readonly messageType: string;
  readonly handler: string;
  readonly maxLatencyMs: number;
  readonly durationMs: number;
  /** Time spent in store calls (events, documents, tables...), outbox excluded. */
  readonly storeMs: number;
  /** Time spent writing to the outbox (messages sent to other services, scheduled ones). */
  readonly outboxMs: number;
  /** The rest: the handler's own code and the middleware. */
  readonly handlerMs: number;
  readonly messageId: string | undefined;
  readonly correlationId: string | undefined;
  readonly tenantId: string | undefined;
  readonly traceId: string | undefined;
}

/** One handled message as a journey records it; see `JourneyStep`. */
export interface HandledStep {
  /** A message's handler, or a saga's step on a message. */
  readonly kind: MessageKind | 'saga';
  readonly messageType: string;
  readonly handler: string;
  readonly envelope: Envelope | undefined;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly error: unknown;
  readonly ok: boolean;
  readonly traceId: string | undefined;
  readonly budget: { readonly maxLatencyMs: number; readonly exceeded: boolean } | undefined;
  readonly result: unknown;
}

/** Where handled steps go (the journey recorder). */
export interface StepSink {
  record(step: HandledStep): void;
}

export interface ObservabilityOptions {
  /**
   * Spans for messages, appends, projection batches, the outbox and consumers. Default: on when
   * an OpenTelemetry SDK has registered a tracer provider before the app is made.
   */
  readonly tracing?: boolean;
  /** Metrics. Default: on when a MeterProvider is registered before the app is made. */
  readonly metrics?: boolean;
  /** Prefix of every metric name (default `whizbang`). */
  readonly metricPrefix?: string;
  /**
   * Default latency budgets by message kind, in ms (none by default); a handler's own
   * `budget` wins. A handler over budget records a metric, a warning with the breakdown and a
   * mark on its journey step, and calls `onBudgetViolation`.
   */
  readonly budgets?: Partial<Readonly<Record<MessageKind, number>>>;
  /** Told of every budget violation (an alert hook), after the metric and the log line. */
  readonly onBudgetViolation?: (violation: BudgetViolation) => void;
  /** This node's name in journeys and logs (default `hostname:pid`). */
  readonly node?: string;
  /**
   * Record message journeys in the app's store: every handled message's step, sampled by
   * correlation id, kept `retentionDays` (default 7). Off by default; see docs/journeys.md.
   */
  readonly journeys?: JourneyOptions | boolean;
}

/** The journey recorder's settings an app takes (it supplies the store, node and service). */
export type JourneyOptions = Omit<JourneyRecorderOptions, 'store' | 'node' | 'service'>;

/** Store and outbox time of the step running now, for a budget's breakdown. */
export interface StepTimes {
  storeMs: number;
  outboxMs: number;
}

const stepTimes = new AsyncLocalStorage<StepTimes>();

/** The times of the budgeted step this code runs in, if any. */
export function currentStepTimes(): StepTimes | undefined {
  return stepTimes.getStore();
}

/** Whether a global tracer provider other than the API's no-op one is registered. */
function tracingRegistered(): boolean {
  const provider = trace.getTracerProvider() as { getDelegate?: () => object };
  const delegate = provider.getDelegate?.() ?? provider;
  return delegate.constructor.name !== 'NoopTracerProvider';
}

/** Whether a MeterProvider is registered: the API hands out its no-op one until then. */
function metricsRegistered(): boolean {
  return metrics.getMeterProvider().constructor.name !== 'NoopMeterProvider';
}

function checkBudgetMs(value: unknown, path: (string | number)[]): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new ValidationError(
      [{ message: 'must be a positive number of milliseconds', path }],
      'observability',
    );
  return value;
}

/** Checks a `budget` option: a positive `maxLatencyMs`. */
export function checkBudget(budget: unknown, where: string): Budget | undefined {
  if (budget === undefined) return undefined;
  if (budget === null || typeof budget !== 'object')
    throw new ValidationError([{ message: 'must be { maxLatencyMs }', path: ['budget'] }], where);
  return { maxLatencyMs: checkBudgetMs((budget as Budget).maxLatencyMs, ['budget', 'maxLatencyMs']) };
}

const KINDS: readonly MessageKind[] = ['command', 'query', 'event'];

export class Telemetry {
  readonly tracer: Tracer | undefined;
  readonly metrics: WhizbangMetrics | undefined;
  readonly logger: Logger;
  readonly node: string;
  readonly #budgets: Partial<Record<MessageKind, number>>;
  readonly #onViolation: ((violation: BudgetViolation) => void) | undefined;
  #journeys: StepSink | undefined;
  /** Tracing, metrics or journeys on: one flag, as the mediator reads it for every message. */
  #everyMessage = false;

  constructor(options: ObservabilityOptions = {}, logger?: Logger) {
    const budgets: Partial<Record<MessageKind, number>> = {};
    for (const [kind, ms] of Object.entries(options.budgets ?? {})) {
      if (!KINDS.includes(kind as MessageKind))
        throw new ValidationError(
          [{ message: 'must be command, query or event', path: ['budgets', kind] }],
          'observability',
        );
      budgets[kind as MessageKind] = checkBudgetMs(ms, ['budgets', kind]);
    }
    this.#budgets = budgets;
    this.#onViolation = options.onBudgetViolation;
    this.logger = logger ?? jsonLogger();
    this.node = options.node ?? `${hostname()}:${process.pid}`;
    this.tracer = (options.tracing ?? tracingRegistered()) ? trace.getTracer('@whizbang/core') : undefined;
    this.metrics = (options.metrics ?? metricsRegistered()) ? metricsFor(options.metricPrefix) : undefined;
    if (this.metrics === undefined && options.metricPrefix !== undefined) metricsFor(options.metricPrefix);
    this.#everyMessage = this.tracer !== undefined || this.metrics !== undefined;
  }

  /** Where handled steps are recorded (the app's journey recorder), or none. */
  set journeys(sink: StepSink | undefined) {
    this.#journeys = sink;
    this.#everyMessage = this.tracer !== undefined || this.metrics !== undefined || sink !== undefined;
  }
  get journeys(): StepSink | undefined {
    return this.#journeys;
  }

  /**
   * Whether every handled message is observed: tracing, metrics or journeys are on. The mediator
   * works out each handler's budget (`budgetFor`) when it registers it; per message it checks
   * that budget and this flag, and when neither holds it skips observation altogether.
   */
  get observesEveryMessage(): boolean {
    return this.#everyMessage;
  }

  /**
   * Whether the app's store is worth wrapping: for append spans and metrics, or for the store
   * time in a budget's breakdown.
   */
  observesStore(handlers: readonly { readonly budget: Budget | undefined }[]): boolean {
    return (
      this.tracer !== undefined ||
      this.metrics !== undefined ||
      Object.keys(this.#budgets).length > 0 ||
      handlers.some((h) => h.budget !== undefined)
    );
  }

  budgetFor(kind: MessageKind, own: Budget | undefined): number | undefined {
    return own?.maxLatencyMs ?? this.#budgets[kind];
  }

  /**
   * Runs `work` as one traced operation: a span named `name` whose parent is the active
   * context or what `fields` carry, made the active context while `work` runs.
   */
  span<T>(
    name: string,
    kind: SpanKind,
    attributes: Attributes,
    parent: Context,
    work: (span: Span | undefined) => Promise<T>,
    links?: Link[],
  ): Promise<T> {
    const tracer = this.tracer;
    if (tracer === undefined) return work(undefined);
    const span = tracer.startSpan(name, { kind, attributes, ...(links !== undefined && { links }) }, parent);
    let pending: Promise<T>;
    try {
      pending = context.with(trace.setSpan(parent, span), work, undefined, span);
    } catch (error) {
      pending = Promise.reject(error);
    }
    return pending.then(
      (value) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        endWithError(span, error);
        throw error;
      },
    );
  }

  /**
   * Runs the handling of one message: its span (`command X`, `query X`, `event X`), its metrics,
   * its budget and its journey step. `work` gets the trace fields for the envelope it makes.
   */
  handle<T>(
    step: ObservedStep,
    from: TraceFields | undefined,
    work: (fields: TraceFields | undefined) => Promise<T>,
  ): Promise<T> {
    const budgetMs = step.budgetMs;
    const times: StepTimes | undefined = budgetMs === undefined ? undefined : { storeMs: 0, outboxMs: 0 };
    const started = performance.now();
    const startedAt = Date.now();
    const tracer = this.tracer;
    let span: Span | undefined;
    let pending: Promise<T>;
    try {
      if (tracer === undefined) {
        pending = times === undefined ? work(from) : stepTimes.run(times, work, from);
      } else {
        const parent = parentContextFor(from);
        span = tracer.startSpan(step.spanName(), { kind: step.spanKind }, parent);
        step.traceId = span.spanContext().traceId;
        const fields = traceFieldsOf(span);
        const active = trace.setSpan(parent, span);
        pending =
          times === undefined
            ? context.with(active, work, undefined, fields)
            : context.with(active, () => stepTimes.run(times, work, fields));
      }
    } catch (error) {
      pending = Promise.reject(error);
    }
    return pending.then(
      (value) => {
        if (span !== undefined) {
          span.setAttributes(step.attributes());
          span.end();
        }
        this.#finish(step, startedAt, performance.now() - started, times, true, undefined, value);
        return value;
      },
      (error: unknown) => {
        if (span !== undefined) {
          span.setAttributes(step.attributes());
          endWithError(span, error);
        }
        this.#finish(step, startedAt, performance.now() - started, times, false, error, undefined);
        throw error;
      },
    );
  }

  #finish(
    step: ObservedStep,
    startedAt: number,
    durationMs: number,
    times: StepTimes | undefined,
    ok: boolean,
    error: unknown,
    result: unknown,
  ): void {
    const attributes = {
      [ATTR.messageKind]: step.kind,
      [ATTR.messageType]: step.messageType,
      [ATTR.outcome]: ok ? 'ok' : 'error',
    };
    this.metrics?.handled.add(1, attributes);
    this.metrics?.handlerDuration.record(durationMs / 1000, attributes);
    const budgetMs = step.budgetMs;
    const exceeded = budgetMs !== undefined && durationMs > budgetMs;
    if (exceeded) this.#violated(step, budgetMs, durationMs, times!);
    this.#journeys?.record({
      kind: step.kind,
      messageType: step.messageType,
      handler: step.handler,
      envelope: step.envelope,
      startedAt,
      durationMs,
      error,
      ok,
      traceId: step.traceId,
      budget: budgetMs === undefined ? undefined : { maxLatencyMs: budgetMs, exceeded },
      result,
    });
  }

  #violated(step: ObservedStep, maxLatencyMs: number, durationMs: number, times: StepTimes): void {
    const meta = step.envelope?.metadata;
    const violation: BudgetViolation = {
      kind: step.kind,
      messageType: step.messageType,
      handler: step.handler,
      maxLatencyMs,
      durationMs,
      storeMs: times.storeMs,
      outboxMs: times.outboxMs,
      handlerMs: Math.max(0, durationMs - times.storeMs - times.outboxMs),
      messageId: step.envelope?.id,
      correlationId: meta?.correlationId,
      tenantId: meta?.tenantId,
      traceId: step.traceId,
    };
    this.metrics?.budgetViolations.add(1, {
      [ATTR.messageKind]: step.kind,
      [ATTR.messageType]: step.messageType,
      [ATTR.handler]: step.handler,
    });
    this.logger.warn(
      { event: 'whizbang.budget.exceeded', ...violation },
      `${step.kind} ${step.messageType} took ${durationMs.toFixed(1)} ms, over its budget of ${maxLatencyMs} ms`,
    );
    try {
      this.#onViolation?.(violation);
    } catch (error) {
      this.logger.error({ err: error }, 'onBudgetViolation threw');
    }
  }
}

/** Marks a span failed with the error's type and message. */
export function endWithError(span: Span, error: unknown): void {
  span.setAttributes(errorAttributes(error));
  if (error instanceof Error) span.recordException(error);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
  span.end();
}

/** One message being handled: what its span, metrics and journey step say about it. */
export class ObservedStep {
  /** Set by the mediator once it has made the envelope (a message refused earlier has none). */
  envelope: Envelope | undefined;
  traceId: string | undefined;

  constructor(
    readonly kind: MessageKind,
    readonly messageType: string,
    readonly handler: string,
    readonly budgetMs: number | undefined,
    /** INTERNAL in process; PRODUCER when the message only leaves through the outbox. */
    readonly spanKind: SpanKind = SpanKind.INTERNAL,
  ) {}

  spanName(): string {
    return this.spanKind === SpanKind.PRODUCER
      ? `send ${this.messageType}`
      : `${this.kind} ${this.messageType}`;
  }

  attributes(): Attributes {
    const meta = this.envelope?.metadata;
    return {
      [ATTR.messageKind]: this.kind,
      [ATTR.messageType]: this.messageType,
      [ATTR.handler]: this.handler,
      ...(this.envelope !== undefined && { [ATTR.messageId]: this.envelope.id }),
      ...(meta?.correlationId !== undefined && { [ATTR.correlationId]: meta.correlationId }),
      ...(meta?.causationId !== undefined && { [ATTR.causationId]: meta.causationId }),
      ...(meta?.tenantId !== undefined && { [ATTR.tenantId]: meta.tenantId }),
    };
  }
}

/** No tracing, no metrics, no budgets: what an app records when nothing is configured. */
export function noTelemetry(logger?: Logger): Telemetry {
  return new Telemetry({ tracing: false, metrics: false }, logger);
}
