/** Running a handler by an error policy: up to `maxAttempts` tries, backing off between them. */
import { sleep } from '../async/sleep.js';

export type Attempted<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: unknown; readonly attempts: number };

export async function attempt<T>(
  run: (attempt: number) => Promise<T> | T,
  policy: { readonly maxAttempts: number; readonly backoffMs: number },
  signal?: AbortSignal,
): Promise<Attempted<T>> {
  for (let n = 1; ; n++) {
    try {
      return { ok: true, value: await run(n) };
    } catch (error) {
      if (n >= policy.maxAttempts) return { ok: false, error, attempts: n };
      // Delay doubles each time, capped at 5 s; a stopping runner aborts the wait.
      await sleep(Math.min(5_000, policy.backoffMs * 2 ** (n - 1)), signal);
    }
  }
}
