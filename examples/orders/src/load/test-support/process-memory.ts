/**
 * How much memory another process holds: its resident set (RSS), as the kernel counts it. The
 * service does not publish its own (its /metrics names message types and projections, not the
 * process), so the soak reads it from outside: /proc on Linux, `ps` elsewhere.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/**
 * The resident set of process `pid`, in bytes.
 * @example
 * residentBytes(service.pid); // 131_072_000
 */
export function residentBytes(pid: number): number {
  const status = `/proc/${pid}/status`;
  const kib = existsSync(status)
    ? /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(status, 'utf8'))?.[1]
    : execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim();
  const value = Number(kib);
  if (kib === undefined || kib === '' || !Number.isFinite(value))
    throw new Error(`No resident set size for process ${pid} (has it exited?)`);
  return value * 1024;
}

export interface MemorySample {
  /** When it was taken, on `performance.now()`'s clock. */
  readonly at: number;
  readonly bytes: number;
}

export interface MemorySampler {
  /** Stops sampling and answers every sample, oldest first. */
  stop(): MemorySample[];
}

/**
 * Samples `pid`'s resident set now and every `everyMs` until stopped.
 * @example
 * const memory = sampleMemory(service.pid, 500);
 * // … the run …
 * const samples = memory.stop();
 */
export function sampleMemory(pid: number, everyMs: number): MemorySampler {
  const samples: MemorySample[] = [];
  const sample = () => samples.push({ at: performance.now(), bytes: residentBytes(pid) });
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return samples;
    },
  };
}
