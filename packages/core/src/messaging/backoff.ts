/**
 * Exponential back-off with full jitter: attempt n waits a random time up to
 * min(max, initial * 2^(n-1)). Jitter spreads the retries of many consumers that failed
 * together (a database blip), so they do not all come back at the same instant.
 */
export function backoffDelay(
  attempt: number,
  policy: { readonly initialDelayMs: number; readonly maxDelayMs: number },
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  // Never zero: half the ceiling is guaranteed, the rest is jitter.
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
