/** The load run's report as text: one row per operation, then the whole, then the errors. */
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

/** Answers with a status of 400 or more, or none at all (0), by status. */
export function errorCounts(stats: OperationStats): Record<number, number> {
  return Object.fromEntries(
    Object.entries(stats.statuses).filter(([status]) => Number(status) >= 400 || status === '0'),
  );
}

/**
 * @example
 * console.log(formatLoadReport(await runLoad(options)).join('\n'));
 */
export function formatLoadReport(report: LoadReport): string[] {
  const rows = [[...COLUMNS], ...report.operations.map(row), row(report.overall)];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows.map((r) =>
    r
      .map((cell, i) => (i === 0 || i === r.length - 1 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
  const errors = Object.entries(errorCounts(report.overall));
  const serverErrors = errors.filter(([status]) => Number(status) >= 500).reduce((n, [, c]) => n + c, 0);
  return [
    `Load against ${report.url}: ${report.seconds.toFixed(1)} s measured after ${report.warmupSeconds} s of warm-up, ` +
      `${report.connections} connections, tenants ${report.tenants.join(' and ')}, ${report.products} products`,
    '',
    ...table,
    '',
    `throughput: ${report.overall.throughput.toFixed(1)} requests/s; p50 ${ms(report.overall.p50Ms)} ms, p99 ${ms(report.overall.p99Ms)} ms`,
    errors.length === 0
      ? 'errors: none'
      : `errors: ${errors.map(([status, count]) => `${status === '0' ? 'no answer' : status}×${count}`).join(' ')} (5xx: ${serverErrors})`,
    `load client CPU: ${Math.round(report.clientCpu * 100)}% of one core`,
  ];
}
