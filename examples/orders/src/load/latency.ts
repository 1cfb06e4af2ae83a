/**
 * What a load run measured: every request's latency and status, by operation, summed up as
 * throughput, p50/p99 and the count of each status. Every sample is kept (a 10 s run is tens of
 * thousands of numbers), so the percentiles are exact, not estimated from buckets.
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
}

export interface LatencySummary {
  readonly seconds: number;
  readonly operations: readonly OperationStats[];
  readonly overall: OperationStats;
}

export interface LatencyRecorder {
  record(operation: string, status: number, ms: number): void;
  /** Sums up what was recorded over `seconds` of running; operations in first-recorded order. */
  summary(seconds: number): LatencySummary;
}

/** @example const recorder = latencyRecorder(); recorder.record('place', 201, 3.2); */
export function latencyRecorder(): LatencyRecorder {
  const samples = new Map<string, { ms: number[]; statuses: Map<number, number> }>();
  return {
    record(operation, status, ms) {
      let entry = samples.get(operation);
      if (entry === undefined) samples.set(operation, (entry = { ms: [], statuses: new Map() }));
      entry.ms.push(ms);
      entry.statuses.set(status, (entry.statuses.get(status) ?? 0) + 1);
    },
    summary(seconds) {
      const entries = [...samples];
      const operations = entries.map(([operation, entry]) =>
        stats(operation, entry.ms, entry.statuses, seconds),
      );
      const statuses = new Map<number, number>();
      for (const [, entry] of entries)
        for (const [status, count] of entry.statuses)
          statuses.set(status, (statuses.get(status) ?? 0) + count);
      const overall = stats(
        'all',
        entries.flatMap(([, entry]) => entry.ms),
        statuses,
        seconds,
      );
      return { seconds, operations, overall };
    },
  };
}

function stats(
  operation: string,
  ms: readonly number[],
  statuses: ReadonlyMap<number, number>,
  seconds: number,
): OperationStats {
  const sorted = ms.toSorted((a, b) => a - b);
  return {
    operation,
    requests: sorted.length,
    throughput: seconds > 0 ? sorted.length / seconds : 0,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1) ?? Number.NaN,
    statuses: Object.fromEntries([...statuses].toSorted(([a], [b]) => a - b)),
  };
}
