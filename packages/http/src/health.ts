/**
 * Liveness (the process answers) and readiness (it can do its work: the store answers, the
 * broker answers, every check the service adds passes), each check timed, so an orchestrator
 * and an operator see which dependency is down and how slow the others are.
 */
import type { WhizbangApp } from '@whizbang/core';

export type HealthCheck = () => Promise<unknown>;

export interface HealthOptions {
  /** Further readiness checks by name; a check passes unless it throws or times out. */
  readonly checks?: Readonly<Record<string, HealthCheck>>;
  /** A check slower than this fails (default 2,000 ms). */
  readonly timeoutMs?: number;
}

export interface CheckResult {
  readonly status: 'pass' | 'fail';
  readonly durationMs: number;
  readonly error?: string;
}

export interface Readiness {
  readonly status: 'pass' | 'fail';
  readonly checks: Readonly<Record<string, CheckResult>>;
}

async function timed(check: HealthCheck, timeoutMs: number): Promise<CheckResult> {
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { status: 'pass', durationMs: Math.round((performance.now() - start) * 10) / 10 };
  } catch (error) {
    return {
      status: 'fail',
      durationMs: Math.round((performance.now() - start) * 10) / 10,
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** The checks of an app: its store, its transport if it has one, and the service's own. */
export function readinessChecks(app: WhizbangApp, options: HealthOptions = {}): Record<string, HealthCheck> {
  const checks: Record<string, HealthCheck> = {
    store: () => app.store.events.readHeadPosition(),
  };
  const transport = app.messaging?.transport;
  if (transport) checks[`transport:${transport.name}`] = () => transport.ping();
  return { ...checks, ...options.checks };
}

export async function readiness(
  checks: Readonly<Record<string, HealthCheck>>,
  timeoutMs = 2_000,
): Promise<Readiness> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => [name, await timed(check, timeoutMs)] as const),
  );
  const results = Object.fromEntries(entries);
  return { status: entries.every(([, r]) => r.status === 'pass') ? 'pass' : 'fail', checks: results };
}
