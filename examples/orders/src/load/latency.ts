/**
 * What a load run measured: every request's latency and answer, by operation, summed up as
 * throughput, p50/p99, the count of each status, and the refusals apart: those the mix runs into
 * by design, and the errors. Every sample is kept (a 10 s run is tens of thousands of numbers),
 * so the percentiles are exact, not estimated from buckets.
 */

/**
 * The nearest-rank percentile of ascending `sorted`: the smallest sample with at least `p`
 * percent of the samples at or below it. NaN for no samples.
 * @example
 * percentile([1, 2, 3, 4], 50); // 2
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export interface OperationStats {
  readonly operation: string;
  readonly requests: number;
  /** Requests per second over the run. */
  readonly throughput: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** How many answers of each HTTP status; 0 for a request that got no answer (a network error). */
  readonly statuses: Readonly<Record<number, number>>;
  /** Refusals the mix meets by design (a lost race), by `<status> <code>`: not errors. */
  readonly expected: Readonly<Record<string, number>>;
  /** Every other answer of 400 or more, or none (`0`), by `<status>` or `<status> <code>`. */
  readonly errors: Readonly<Record<string, number>>;
}

/** One answer, as the load client saw it. */
export interface Answer {
  /** The HTTP status; 0 for a request that got no answer (refused, reset, timed out). */
  readonly status: number;
  /** The problem's `code`, for a refusal that has one. */
  readonly code?: string | undefined;
  /** A refusal the mix meets by design: counted under `expected`, not under `errors`. */
  readonly expected?: boolean;
}

export interface LatencySummary {
  readonly seconds: number;
  readonly operations: readonly OperationStats[];
  /** Operations summed up by class (`reads`, `writes`), by name; none without classes. */
  readonly classes: readonly OperationStats[];
  readonly overall: OperationStats;
}

export interface LatencyRecorder {
  record(operation: string, answer: Answer, ms: number): void;
  /**
   * Sums up what was recorded over `seconds` of running; operations in first-recorded order.
   * `classOf` names each operation's class, for a row per class (an operation of none is in
   * `overall` only).
   */
  summary(seconds: number, classOf?: (operation: string) => string | undefined): LatencySummary;
}

/** Counts of answers: by status, and the refusals by kind. */
interface Tally {
  readonly statuses: Map<number, number>;
  readonly expected: Map<string, number>;
  readonly errors: Map<string, number>;
}

const newTally = (): Tally => ({ statuses: new Map(), expected: new Map(), errors: new Map() });
const count = <K>(map: Map<K, number>, key: K, n = 1) => map.set(key, (map.get(key) ?? 0) + n);

function merge<K>(into: Map<K, number>, from: ReadonlyMap<K, number>): void {
  for (const [key, n] of from) count(into, key, n);
}

function tallyAnswer(tally: Tally, { status, code, expected }: Answer): void {
  count(tally.statuses, status);
  const refusal = code === undefined ? String(status) : `${status} ${code}`;
  if (expected === true) count(tally.expected, refusal);
  else if (status >= 400 || status === 0) count(tally.errors, refusal);
}

/** One operation's samples and answers. */
interface Entry {
  readonly ms: number[];
  readonly tally: Tally;
}

/** The stats of several operations' requests taken together. */
function combined(name: string, entries: readonly Entry[], seconds: number): OperationStats {
  const tally = newTally();
  for (const entry of entries) {
    merge(tally.statuses, entry.tally.statuses);
    merge(tally.expected, entry.tally.expected);
    merge(tally.errors, entry.tally.errors);
  }
  return stats(
    name,
    entries.flatMap((entry) => entry.ms),
    tally,
    seconds,
  );
}

/** @example const recorder = latencyRecorder(); recorder.record('place', { status: 201 }, 3.2); */
export function latencyRecorder(): LatencyRecorder {
  const samples = new Map<string, Entry>();
  return {
    record(operation, answer, ms) {
      let entry = samples.get(operation);
      if (entry === undefined) samples.set(operation, (entry = { ms: [], tally: newTally() }));
      entry.ms.push(ms);
      tallyAnswer(entry.tally, answer);
    },
    summary(seconds, classOf) {
      const entries = [...samples];
      const operations = entries.map(([operation, entry]) =>
        stats(operation, entry.ms, entry.tally, seconds),
      );
      const byClass = new Map<string, Entry[]>();
      for (const [operation, entry] of entries) {
        const name = classOf?.(operation);
        if (name !== undefined) byClass.set(name, [...(byClass.get(name) ?? []), entry]);
      }
      const classes = [...byClass]
        .toSorted(([a], [b]) => a.localeCompare(b))
        .map(([name, members]) => combined(name, members, seconds));
      const overall = combined(
        'all',
        entries.map(([, entry]) => entry),
        seconds,
      );
      return { seconds, operations, classes, overall };
    },
  };
}

const sortedEntries = <K extends number | string>(map: ReadonlyMap<K, number>) =>
  Object.fromEntries([...map].toSorted(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

function stats(operation: string, ms: readonly number[], tally: Tally, seconds: number): OperationStats {
  const sorted = ms.toSorted((a, b) => a - b);
  return {
    operation,
    requests: sorted.length,
    throughput: seconds > 0 ? sorted.length / seconds : 0,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1) ?? Number.NaN,
    statuses: sortedEntries(tally.statuses),
    expected: sortedEntries(tally.expected),
    errors: sortedEntries(tally.errors),
  };
}
