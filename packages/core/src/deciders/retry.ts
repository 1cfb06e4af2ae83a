/**
 * Retrying an operation that lost an optimistic-concurrency race: reload, decide again,
 * append again. Back-off is exponential with full jitter so racing writers spread out.
 */
import { sleep } from '../async/sleep.js';
import { isConcurrencyError } from '../errors/catalog.js';

export interface RetryPolicy {
  /**
   * Total attempts including the first (default 10). Each failed attempt means another writer
   * committed, so a burst of N writers on one stream needs up to N attempts. 1 disables retrying.
   */
  readonly maxAttempts?: number;
  /** Delay cap before the second attempt, doubled each time (default 2 ms). */
  readonly baseDelayMs?: number;
  /** Largest delay between attempts (default 100 ms). */
  readonly maxDelayMs?: number;
  /** Which errors are worth retrying (default: `ConcurrencyError`). */
  readonly retryIf?: (error: unknown) => boolean;
}

/**
 * Runs `attempt` until it succeeds, a non-retryable error is thrown, or attempts run out
 * (then the last error is thrown).
 * @example
 * await retryOnConflict(() => handleCommandOnce(...), { maxAttempts: 10 });
 */
export async function retryOnConflict<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  policy: RetryPolicy = {},
  signal?: AbortSignal,
): Promise<T> {
  const maxAttempts = policy.maxAttempts ?? 10;
  const base = policy.baseDelayMs ?? 2;
  const cap = policy.maxDelayMs ?? 100;
  const retryIf = policy.retryIf ?? isConcurrencyError;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= maxAttempts || !retryIf(error)) throw error;
      await sleep(Math.random() * Math.min(cap, base * 2 ** (n - 1)), signal);
    }
  }
}
