/**
 * The load run's report as text: one row per operation, one per class (reads, writes), then the
 * whole, then the refusals the mix meets by design (lost races) apart from the errors (anything
 * else of 400 or more, or no answer at all).
 */
import type { OperationStats } from './latency.js';
import type { LoadReport } from './run-load.js';

const COLUMNS = ['operation', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'statuses'] as const;

const ms = (value: number) => (Number.isNaN(value) ? '-' : value.toFixed(2));

function row(stats: OperationStats): string[] {
  const statuses = Object.entries(stats.statuses)
    .map(([status, count]) => `${status === '0' ? 'no answer' : status}×${count}`)
    .join(' ');
  return [
    stats.operation,
    String(stats.requests),
    stats.throughput.toFixed(1),
    ms(stats.p50Ms),
    ms(stats.p99Ms),
    ms(stats.maxMs),
    statuses,
  ];
}

/** `<prefix><status and code>×<count>` for each, `no answer` for a request that got none. */
const counted = (counts: Readonly<Record<string, number>>, prefix = '') =>
  Object.entries(counts).map(([what, n]) => `${prefix}${what === '0' ? 'no answer' : what}×${n}`);

/**
 * @example
 * console.log(formatLoadReport(await runLoad(options)).join('\n'));
 */
export function formatLoadReport(report: LoadReport): string[] {
  const rows = [[...COLUMNS], ...report.operations.map(row), ...report.classes.map(row), row(report.overall)];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows.map((r) =>
    r
      .map((cell, i) => (i === 0 || i === r.length - 1 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
  const { errors } = report.overall;
  const serverErrors = Object.entries(errors)
    .filter(([what]) => Number.parseInt(what, 10) >= 500)
    .reduce((n, [, c]) => n + c, 0);
  const expected = report.operations.flatMap((stats) => counted(stats.expected, `${stats.operation} `));
  return [
    `Load against ${report.urls.join(' and ')}: ${report.seconds.toFixed(1)} s measured after ${report.warmupSeconds} s of warm-up, ` +
      `${report.connections} connections, tenants ${report.tenants.join(' and ')}, ${report.products} products`,
    '',
    ...table,
    '',
    `throughput: ${report.overall.throughput.toFixed(1)} requests/s; p50 ${ms(report.overall.p50Ms)} ms, p99 ${ms(report.overall.p99Ms)} ms`,
    expected.length === 0
      ? 'expected refusals: none'
      : `expected refusals (lost races, not errors): ${expected.join(', ')}`,
    Object.keys(errors).length === 0
      ? 'errors: none'
      : `errors: ${counted(errors).join(', ')} (5xx: ${serverErrors})`,
    `load client CPU: ${Math.round(report.clientCpu * 100)}% of one core`,
  ];
}
