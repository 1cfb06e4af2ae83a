/**
 * The timing harness every benchmark shares: warm each case up, then time several rounds of
 * every case interleaved (case A, B, C, A, B, C, ...) so that drift in the machine (thermal,
 * other processes, GC pressure) spreads over all cases alike, and report the median round.
 *
 * A case owns its loop: `run(iterations)` does the work `iterations` times, synchronously or
 * returning a promise. Writing the loop in each case keeps every call site monomorphic, so
 * the harness adds nothing to the cost of the thing measured.
 */
import { mkdirSync, writeFileSync } from 'node:fs';

export interface Case {
  readonly name: string;
  /** Does the work `iterations` times. */
  readonly run: (iterations: number) => void | Promise<void>;
  /**
   * Runs after the warm-up and after each timed round, untimed: clears what a round left
   * behind (rows it wrote, say) so that every round starts alike.
   */
  readonly afterRound?: () => void | Promise<void>;
}

export interface MeasureOptions {
  /** Iterations run once per case before timing starts. */
  readonly warmup: number;
  /** Timed rounds per case; the median is reported. */
  readonly rounds: number;
  /** Iterations per timed round. */
  readonly iterations: number;
}

export interface Measurement {
  readonly name: string;
  /** Nanoseconds per operation of the median round. */
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Every round, in order, ns/op. */
  readonly rounds: readonly number[];
}

async function timeRound(work: Case, iterations: number): Promise<number> {
  const start = process.hrtime.bigint();
  const pending = work.run(iterations);
  if (pending !== undefined) await pending;
  const elapsed = process.hrtime.bigint() - start;
  return Number(elapsed) / iterations;
}

export function median(values: readonly number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Warms every case up, then times `rounds` interleaved rounds of each. */
export async function measure(
  cases: readonly Case[],
  options: MeasureOptions,
): Promise<Map<string, Measurement>> {
  for (const work of cases) {
    await timeRound(work, options.warmup);
    await work.afterRound?.();
  }
  const samples = new Map<string, number[]>(cases.map((work) => [work.name, []]));
  for (let i = 0; i < options.rounds; i++) {
    for (const work of cases) {
      samples.get(work.name)!.push(await timeRound(work, options.iterations));
      await work.afterRound?.();
    }
  }
  const results = new Map<string, Measurement>();
  for (const [name, rounds] of samples) {
    results.set(name, {
      name,
      median: median(rounds),
      min: Math.min(...rounds),
      max: Math.max(...rounds),
      rounds,
    });
  }
  return results;
}

/** One row of `bench/results/<name>.json`. A ratio above 1 means Whizbang is better. */
export interface ResultRow {
  readonly workload: string;
  readonly unit: string;
  readonly ours: number;
  readonly baselines: Readonly<Record<string, number>>;
  readonly ratios: Readonly<Record<string, number>>;
}

/** Units where less is better (a time); for the others (a rate) more is better. */
const LOWER_IS_BETTER = new Set(['ns/op', 'us/op', 'ms/op', 'ms']);

/**
 * Builds a result row; each ratio is baseline / ours for a time and ours / baseline for a
 * rate, so above 1 always means Whizbang is better.
 */
export function row(
  workload: string,
  unit: string,
  ours: number,
  baselines: Readonly<Record<string, number>>,
): ResultRow {
  const names = Object.keys(baselines);
  if (names.length === 0) throw new Error(`'${workload}' needs at least one baseline`);
  const lower = LOWER_IS_BETTER.has(unit);
  const ratios: Record<string, number> = {};
  for (const name of names) {
    const baseline = baselines[name]!;
    ratios[name] = round(lower ? baseline / ours : ours / baseline, 2);
  }
  const rounded: Record<string, number> = {};
  for (const name of names) rounded[name] = round(baselines[name]!, 1);
  return { workload, unit, ours: round(ours, 1), baselines: rounded, ratios };
}

/**
 * A row with nothing beside it: a figure no peer or raw driver has a like for (a whole service
 * under its own traffic), so its baselines and ratios stay empty rather than made up.
 */
export function unmatchedRow(workload: string, unit: string, ours: number): ResultRow {
  return { workload, unit, ours: round(ours, 1), baselines: {}, ratios: {} };
}

export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Writes `bench/results/<name>.json` and returns its path. */
export function writeResults(name: string, rows: readonly ResultRow[]): string {
  const dir = new URL('../../results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL(`${name}.json`, dir);
  writeFileSync(file, `${JSON.stringify(rows, null, 2)}\n`);
  return file.pathname;
}

/**
 * A Markdown table, which reads well on a terminal too. Columns are right-aligned (numbers)
 * except the first, unless `numeric` says which are.
 */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  numeric: readonly boolean[] = header.map((_, i) => i > 0),
): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((cells) => cells[i]!.length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((width, i) => (numeric[i] ? `${'-'.repeat(width + 1)}:` : '-'.repeat(width + 2))).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** Renders result rows: workload, ours, each baseline, each ratio. */
export function resultTable(rows: readonly ResultRow[]): string {
  const names = [...new Set(rows.flatMap((r) => Object.keys(r.baselines)))];
  const header = [
    'workload',
    `ours (${rows[0]?.unit ?? ''})`,
    ...names.map((name) => name),
    ...names.map((name) => `ratio vs ${name}`),
  ];
  const cells = rows.map((r) => [
    r.workload,
    formatNumber(r.ours),
    ...names.map((name) => (r.baselines[name] === undefined ? '—' : formatNumber(r.baselines[name]))),
    ...names.map((name) => (r.ratios[name] === undefined ? '—' : `${r.ratios[name].toFixed(2)}×`)),
  ]);
  return table(header, cells);
}

/**
 * Prints the side-by-side table of result rows with a unit column (ours, raw, emmett, their
 * ratios) and writes them to bench/results/<name>.json.
 */
export function reportResults(name: string, rows: readonly ResultRow[]): void {
  const cell = (value: number | undefined) => (value === undefined ? '—' : String(value));
  const ratio = (value: number | undefined) => (value === undefined ? '—' : `${value.toFixed(2)}×`);
  console.log(
    table(
      ['workload', 'unit', 'ours', 'raw', 'emmett', 'vs raw', 'vs emmett'],
      rows.map((r) => [
        r.workload,
        r.unit,
        String(r.ours),
        cell(r.baselines['raw']),
        cell(r.baselines['emmett']),
        ratio(r.ratios['raw']),
        ratio(r.ratios['emmett']),
      ]),
      [false, false, true, true, true, true, true],
    ),
  );
  console.log(
    `\nratio above 1 = Whizbang better (rates: ours/baseline; times: baseline/ours). Wrote ${writeResults(name, rows)}`,
  );
}

export function formatNumber(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
}
