/**
 * `npm run bench:mediator`: the cost of one in-process dispatch, side by side with a plain
 * Map lookup + call (`raw`) and with `@nestjs/cqrs` CommandBus (`nestjs`), all in one process,
 * plus the cost of each layer a dispatch goes through, and what observation (a budget,
 * metrics, tracing, journeys) adds to a send.
 *
 * Every case is awaited one message at a time (the realistic call pattern); the batched rows
 * keep 64 messages in flight and await them together.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import {
  defineCommand,
  handle,
  journeyCollection,
  memoryStore,
  type,
  uuidv7,
  whizbang,
  type Envelope,
  type Middleware,
} from '@whizbang/core';
import { nestCommandBus, nestVersions, PingCommand, TracedPingCommand } from './baselines/nestjs.js';
import { DiscardingExporter, releaseGlobals, sdk } from './mediator/otel-sdk.js';
import { describeMachine } from './harness/machine.js';
import {
  formatNumber,
  measure,
  resultTable,
  row,
  table,
  writeResults,
  type Case,
  type ResultRow,
} from './harness/measure.js';

const WARMUP = 200_000;
const ROUNDS = 7;
const ITERATIONS = 300_000;
const BATCH = 64;
/**
 * The observed apps take 1–10 µs a send, so 100,000 iterations still make rounds of 0.1–1 s; the
 * whole run stays short, and more rounds keep their medians steady on a shared machine.
 */
const OBSERVED = { warmup: 100_000, rounds: 9, iterations: 100_000 };
/** Sends between two flushes of the journey recorder (a running one flushes at 1,000 steps). */
const JOURNEY_FLUSH = 1_000;

// Whatever a case computes goes here, so the optimiser cannot drop the work.
let sink: unknown;

// ---- Whizbang ------------------------------------------------------------------------------
const Ping = defineCommand('Ping', { data: type<{ n: number }>(), result: type<number>() });
const addOne = (command: ReturnType<typeof Ping>): number => command.data.n + 1;
const pingHandler = handle(Ping, addOne);
const passThrough: Middleware = (_ctx, next) => next();

const memory = memoryStore();
const plain = whizbang({ store: memory, handlers: [pingHandler] });
const withMiddleware = whizbang({
  store: memory,
  handlers: [pingHandler],
  middleware: [passThrough, passThrough, passThrough],
});
const ambient = whizbang({ store: memory, handlers: [pingHandler], ambientContext: true });

// ---- Observed apps: the order of what follows matters ----------------------------------------
// An app decides when it is made whether it traces and records metrics, from the OpenTelemetry
// SDK registered at that moment (the API's globals are process-wide). So:
//   1. the apps above, and the budget and journeys apps here, are made before any SDK is
//      registered: they stay off for the whole run (the last three also say so explicitly);
//   2. an SDK that samples no trace and has no metric reader is registered, the sampler-ratio-0
//      and metrics-without-reader apps are made under it, and its globals are released;
//   3. an SDK that samples every trace and aggregates metrics for Prometheus (never scraped) is
//      registered, and stays registered for the run: the tracing, metrics and all-on apps.
const budgeted = whizbang({
  store: memory,
  handlers: [handle(Ping, addOne, { budget: { maxLatencyMs: 1000 } })],
  observability: { tracing: false, metrics: false },
});
// Journeys write to their own store, which every round empties.
const journeyStore = memoryStore();
const journeyed = whizbang({
  store: journeyStore,
  handlers: [pingHandler],
  observability: { tracing: false, metrics: false, journeys: { sampleRate: 1 } },
});
const recorder = journeyed.journeyRecorder!;
// A buffer of one step, never flushed: every later step is built, then dropped as the buffer is
// full, which leaves the part of the cost paid on the send's own path.
const captured = whizbang({
  store: memoryStore(),
  handlers: [pingHandler],
  observability: { tracing: false, metrics: false, journeys: { sampleRate: 1, maxBuffered: 1 } },
});

const unsampledSpans = new DiscardingExporter();
const unsampledSdk = sdk(unsampledSpans, { sampleRatio: 0, prometheus: false });
const unsampled = whizbang({ store: memory, handlers: [pingHandler], observability: { metrics: false } });
const metered = whizbang({ store: memory, handlers: [pingHandler], observability: { tracing: false } });
releaseGlobals();

const sampledSpans = new DiscardingExporter();
const sampledSdk = sdk(sampledSpans, { sampleRatio: 1, prometheus: true });
const traced = whizbang({ store: memory, handlers: [pingHandler], observability: { metrics: false } });
const meteredForPrometheus = whizbang({
  store: memory,
  handlers: [pingHandler],
  observability: { tracing: false },
});
const fullyObserved = whizbang({ store: memory, handlers: [pingHandler] }); // both on, as detected

const FIXED_ID = '0193a6f2-7c1e-7a31-9f0e-5b2d1c3e4f56';

// ---- raw: what any dispatcher must do at least ---------------------------------------------
interface RawMessage {
  readonly type: string;
  readonly data: { readonly n: number };
}
type RawHandler = (message: RawMessage) => Promise<number>;
const rawHandlers = new Map<string, RawHandler>([['Ping', async (message) => message.data.n + 1]]);
const syncHandlers = new Map<string, (message: RawMessage) => number>([
  ['Ping', (message) => message.data.n + 1],
]);

// ---- nestjs --------------------------------------------------------------------------------
const nest = await nestCommandBus();
const { commandBus } = nest;

// ---- layers --------------------------------------------------------------------------------
const storage = new AsyncLocalStorage<object>();
const alsValue = { correlationId: 'c' };
const alsInner = (): number => 1;

/** The same shape as the mediator's DispatchContext, which core does not export. */
class BenchContext {
  constructor(
    readonly kind: 'command',
    readonly message: Envelope,
    readonly store: unknown,
    readonly signal: AbortSignal | undefined,
    readonly dispatcher: unknown,
  ) {}
}

function sendCase(name: string, app: typeof plain): Case {
  return {
    name,
    run: async (n) => {
      for (let i = 0; i < n; i++) sink = await app.send(Ping({ n: i }));
    },
  };
}

const cases: Case[] = [
  {
    name: 'raw',
    run: async (n) => {
      for (let i = 0; i < n; i++) {
        const message: RawMessage = { type: 'Ping', data: { n: i } };
        sink = await rawHandlers.get(message.type)!(message);
      }
    },
  },
  sendCase('ours', plain),
  {
    // A caller-chosen id (an idempotency key): the same send without generating an id.
    name: 'ours.withId',
    run: async (n) => {
      const options = { id: FIXED_ID };
      for (let i = 0; i < n; i++) sink = await plain.send(Ping({ n: i }, options));
    },
  },
  sendCase('ours.mw3', withMiddleware),
  sendCase('ours.ambient', ambient),
  {
    name: 'nestjs',
    run: async (n) => {
      for (let i = 0; i < n; i++) sink = await commandBus.execute<PingCommand, number>(new PingCommand(i));
    },
  },
  {
    name: 'nestjs.traced',
    run: async (n) => {
      for (let i = 0; i < n; i++) {
        sink = await commandBus.execute<TracedPingCommand, number>(new TracedPingCommand(i));
      }
    },
  },
  {
    name: 'raw.batched',
    run: async (n) => {
      for (let i = 0; i < n; i += BATCH) {
        const inFlight: Promise<number>[] = [];
        for (let j = 0; j < BATCH; j++) {
          const message: RawMessage = { type: 'Ping', data: { n: i + j } };
          inFlight.push(rawHandlers.get(message.type)!(message));
        }
        sink = await Promise.all(inFlight);
      }
    },
  },
  {
    name: 'ours.batched',
    run: async (n) => {
      for (let i = 0; i < n; i += BATCH) {
        const inFlight: Promise<number>[] = [];
        for (let j = 0; j < BATCH; j++) inFlight.push(plain.send(Ping({ n: i + j })));
        sink = await Promise.all(inFlight);
      }
    },
  },
  {
    name: 'nestjs.batched',
    run: async (n) => {
      for (let i = 0; i < n; i += BATCH) {
        const inFlight: Promise<number>[] = [];
        for (let j = 0; j < BATCH; j++) {
          inFlight.push(commandBus.execute<PingCommand, number>(new PingCommand(i + j)));
        }
        sink = await Promise.all(inFlight);
      }
    },
  },
  {
    name: 'layer.mapCall',
    run: (n) => {
      for (let i = 0; i < n; i++) {
        const message: RawMessage = { type: 'Ping', data: { n: i } };
        sink = syncHandlers.get(message.type)!(message);
      }
    },
  },
  {
    name: 'layer.uuidv7',
    run: (n) => {
      for (let i = 0; i < n; i++) sink = uuidv7();
    },
  },
  {
    name: 'layer.randomUUID',
    run: (n) => {
      for (let i = 0; i < n; i++) sink = randomUUID();
    },
  },
  {
    name: 'layer.clock',
    run: (n) => {
      for (let i = 0; i < n; i++) sink = Date.now();
    },
  },
  {
    // The objects the mediator builds per message, given an id and a timestamp.
    name: 'layer.objects',
    run: (n) => {
      for (let i = 0; i < n; i++) {
        const envelope: Envelope = {
          id: FIXED_ID,
          type: 'Ping',
          data: { n: i },
          metadata: {
            correlationId: FIXED_ID,
            causationId: undefined,
            tenantId: undefined,
            principal: undefined,
            traceparent: undefined,
            tracestate: undefined,
            timestamp: i,
            schemaVersion: undefined,
            headers: undefined,
          },
        };
        sink = new BenchContext('command', envelope, memory, undefined, plain);
      }
    },
  },
  {
    name: 'layer.als',
    run: (n) => {
      for (let i = 0; i < n; i++) sink = storage.run(alsValue, alsInner);
    },
  },
];

// Measured after the cases above, interleaved among themselves: they run code the cases above
// share (the mediator's, AsyncLocalStorage.run, the promise machinery), and V8 re-optimises
// shared code for every path it sees; interleaved with the cases above they slowed the
// ambientContext row by up to 40 % in trial runs. The plain app runs among them once more, to
// show what that sharing costs a send that observes nothing.
const observedCases: Case[] = [
  sendCase('ours.amongObserved', plain),
  sendCase('ours.budget', budgeted),
  sendCase('ours.metrics', metered),
  sendCase('ours.metricsPrometheus', meteredForPrometheus),
  sendCase('ours.traced', traced),
  sendCase('ours.unsampled', unsampled),
  sendCase('ours.observed', fullyObserved),
  sendCase('ours.journeyCapture', captured),
  {
    // The loop flushes the recorder as a running one would, so the row pays for capturing the
    // steps and for writing them to the store, and none is dropped.
    name: 'ours.journeys',
    run: async (n) => {
      for (let i = 0; i < n; i++) {
        sink = await journeyed.send(Ping({ n: i }));
        if ((i + 1) % JOURNEY_FLUSH === 0) await recorder.flush();
      }
      await recorder.flush();
    },
    afterRound: async () => {
      await journeyStore.documents.deleteCollection(journeyCollection);
    },
  },
];

async function sanityCheck(): Promise<void> {
  const results = [
    await plain.send(Ping({ n: 1 })),
    await withMiddleware.send(Ping({ n: 1 })),
    await ambient.send(Ping({ n: 1 })),
    ...(await Promise.all(
      [budgeted, metered, meteredForPrometheus, traced, unsampled, fullyObserved, journeyed, captured].map(
        (app) => app.send(Ping({ n: 1 })),
      ),
    )),
    await commandBus.execute<PingCommand, number>(new PingCommand(1)),
    await commandBus.execute<TracedPingCommand, number>(new TracedPingCommand(1)),
    await rawHandlers.get('Ping')!({ type: 'Ping', data: { n: 1 } }),
  ];
  if (results.some((result) => result !== 2))
    throw new Error(`A case computes the wrong result: ${results.join()}`);
}

await sanityCheck();
const started = performance.now();
const settings = { warmup: WARMUP, rounds: ROUNDS, iterations: ITERATIONS };
const m = new Map([...(await measure(cases, settings)), ...(await measure(observedCases, OBSERVED))]);
const seconds = (performance.now() - started) / 1000;
const ns = (name: string): number => m.get(name)!.median;

const vs = (name: string) => ({
  raw: ns(name.replace('ours', 'raw')),
  nestjs: ns(name.replace('ours', 'nestjs')),
});
const rows: ResultRow[] = [
  row('send, awaited one by one, no middleware', 'ns/op', ns('ours'), vs('ours')),
  row('send, 3 pass-through middleware', 'ns/op', ns('ours.mw3'), vs('ours')),
  row('send, ambientContext: true', 'ns/op', ns('ours.ambient'), vs('ours')),
  row('send with a caller-chosen id', 'ns/op', ns('ours.withId'), vs('ours')),
  row('send vs Nest commands that carry an id + timestamp', 'ns/op', ns('ours'), {
    nestjs: ns('nestjs.traced'),
  }),
  row(`send, ${BATCH} in flight, no middleware`, 'ns/op', ns('ours.batched'), vs('ours.batched')),
  row('message id: uuidv7() vs crypto.randomUUID()', 'ns/op', ns('layer.uuidv7'), {
    raw: ns('layer.randomUUID'),
  }),
];

const plainSend = ns('ours');
const observations: [string, string][] = [
  ['send, no observation: the plain app again, among the observed ones', 'ours.amongObserved'],
  ['send, budget on (no SDK)', 'ours.budget'],
  ['send, metrics on (SDK MeterProvider, no reader)', 'ours.metrics'],
  ['send, metrics on (SDK, Prometheus reader, never scraped)', 'ours.metricsPrometheus'],
  ['send, tracing on (SDK, sampled, BatchSpanProcessor to a discarding exporter)', 'ours.traced'],
  ['send, tracing on, sampler ratio 0 (SDK)', 'ours.unsampled'],
  ['send, tracing + metrics on (SDK as above, sampled, Prometheus reader)', 'ours.observed'],
  ['send, journeys on (sampleRate 1), capture only: buffer full, steps dropped', 'ours.journeyCapture'],
  [
    `send, journeys on (sampleRate 1), capture + write to a memory store every ${JOURNEY_FLUSH.toLocaleString('en-US')}`,
    'ours.journeys',
  ],
];
const observedRows = observations.map(([workload, name]) =>
  row(workload, 'ns/op', ns(name), { plain: plainSend }),
);

const idInSend = ns('ours') - ns('ours.withId');
const layers: [string, number, string][] = [
  ['Map lookup + call (sync)', ns('layer.mapCall'), 'build { type, data }, Map.get, call; no promise'],
  ['raw dispatch, awaited', ns('raw'), 'the same with an async handler, awaited (the raw baseline)'],
  ['clock read', ns('layer.clock'), 'Date.now(); a send reads it once, for the id and the timestamp'],
  ['uuidv7()', ns('layer.uuidv7'), 'alone, its clock read included'],
  ['crypto.randomUUID()', ns('layer.randomUUID'), 'for reference'],
  ['id in a send', idInSend, 'plain send − send with a caller-chosen id'],
  ['envelope + context objects', ns('layer.objects'), 'metadata + envelope + context, id and time given'],
  [
    'envelope + context, all',
    ns('layer.clock') + idInSend + ns('layer.objects'),
    'clock read + id in a send + objects',
  ],
  ['each middleware', (ns('ours.mw3') - ns('ours')) / 3, '(3-middleware send − plain send) / 3'],
  ['AsyncLocalStorage.run', ns('layer.als'), 'alone, synchronous callback'],
  ['ambientContext: true', ns('ours.ambient') - ns('ours'), 'ambient send − plain send'],
  [
    'rest of a send',
    ns('ours.withId') - ns('raw') - ns('layer.clock') - ns('layer.objects'),
    'send with an id − raw − clock read − objects: calls, checks, Promise.resolve',
  ],
];

console.log(
  `Mediator dispatch, ns/op, median of ${ROUNDS} interleaved rounds × ${ITERATIONS.toLocaleString('en-US')} (after ${WARMUP.toLocaleString('en-US')} warm-up); ` +
    `the observed apps after them, median of ${OBSERVED.rounds} rounds × ${OBSERVED.iterations.toLocaleString('en-US')} (after ${OBSERVED.warmup.toLocaleString('en-US')}); ${seconds.toFixed(1)} s`,
);
console.log(describeMachine());
console.log(`Baseline: ${nestVersions()}`);
console.log('Ratio = baseline / ours: above 1 means Whizbang is faster.\n');
console.log(resultTable(rows));
console.log('\nLayer costs\n');
console.log(
  table(
    ['layer', 'ns/op', 'how'],
    layers.map(([name, value, how]) => [name, formatNumber(value), how]),
    [false, true, false],
  ),
);
console.log(
  `\nObservation: each row its own app, measured after the rows above and interleaved among themselves, ` +
    `against the plain send of the first table (${formatNumber(plainSend)} ns/op, its app made with no SDK registered). ` +
    "The apps share the mediator's code, which V8 re-optimises for every path it runs: the first row is what that " +
    'costs a send that observes nothing, and every row below includes it.\n',
);
console.log(
  table(
    ['workload', 'ns/op', 'overhead (ns/op)', '× plain send'],
    observations.map(([workload, name]) => [
      workload,
      formatNumber(ns(name)),
      formatNumber(ns(name) - plainSend),
      `${(ns(name) / plainSend).toFixed(2)}×`,
    ]),
  ),
);
// Every span of the sampled apps must have reached the exporter, or their rows measure less.
await Promise.all([sampledSdk.forceFlush(), unsampledSdk.forceFlush()]);
const tracedSends = 2 * (1 + OBSERVED.warmup + OBSERVED.rounds * OBSERVED.iterations);
console.log(
  `\nSpans exported: ${sampledSpans.exported.toLocaleString('en-US')} of ${tracedSends.toLocaleString('en-US')} sends by the two sampled apps; ` +
    `${unsampledSpans.exported.toLocaleString('en-US')} by the sampler-ratio-0 app. ` +
    `Journey steps (capture + write): ${recorder.counters.recorded.toLocaleString('en-US')} recorded, ${recorder.counters.flushed.toLocaleString('en-US')} written, ${recorder.counters.dropped.toLocaleString('en-US')} dropped; ` +
    `capture only: ${captured.journeyRecorder!.counters.dropped.toLocaleString('en-US')} dropped.`,
);
const spread = [...m.values()]
  .map((r) => `${r.name} ${formatNumber(r.min)}–${formatNumber(r.max)}`)
  .join(', ');
console.log(`\nRound spread (min–max ns/op): ${spread}`);
console.log(`\nWrote ${writeResults('mediator', [...rows, ...observedRows])}`);
if (typeof sink === 'symbol') console.log(sink.toString()); // keeps `sink` observable

await nest.context.close();
// The sampled SDK first: shutting one down also clears the (then current) globals.
await sampledSdk.shutdown();
await unsampledSdk.shutdown();
