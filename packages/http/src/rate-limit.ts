/**
 * Rate limits per principal and per tenant: a token bucket per key, refilled continuously, held
 * in this process (each node limits on its own; put a shared limiter in front for a global cap).
 */
import { HttpProblem } from './problem.js';

export interface RateLimit {
  /** Requests allowed per window, and the burst. */
  readonly limit: number;
  readonly windowMs: number;
}

export interface RateLimitOptions {
  readonly perPrincipal?: RateLimit;
  readonly perTenant?: RateLimit;
  /** The most keys tracked per limit; the longest idle are forgotten first (default 100,000). */
  readonly maxKeys?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  readonly #buckets = new Map<string, Bucket>();

  constructor(
    readonly rate: RateLimit,
    readonly maxKeys = 100_000,
    readonly now: () => number = Date.now,
  ) {
    if (!(rate.limit >= 1 && rate.windowMs >= 1))
      throw new TypeError('A rate limit needs limit >= 1 and windowMs >= 1');
  }

  /** Takes a token for `key`; returns 0 when allowed, else the milliseconds until one is free. */
  take(key: string): number {
    const now = this.now();
    const perMs = this.rate.limit / this.rate.windowMs;
    const bucket = this.#buckets.get(key);
    const tokens = bucket
      ? Math.min(this.rate.limit, bucket.tokens + (now - bucket.at) * perMs)
      : this.rate.limit;
    this.#buckets.delete(key); // re-inserted last: the map's order is the order of use
    if (tokens < 1) {
      this.#buckets.set(key, { tokens, at: now });
      return Math.ceil((1 - tokens) / perMs);
    }
    this.#buckets.set(key, { tokens: tokens - 1, at: now });
    if (this.#buckets.size > this.maxKeys) this.#buckets.delete(this.#buckets.keys().next().value!);
    return 0;
  }
}

/** Throws a 429 with `Retry-After` when `buckets` has no token for `key`. */
export function enforce(buckets: TokenBuckets | undefined, key: string | undefined, what: string): void {
  if (!buckets || key === undefined) return;
  const waitMs = buckets.take(key);
  if (waitMs > 0)
    throw new HttpProblem(
      429,
      'WHIZBANG_RATE_LIMITED',
      `too many requests for this ${what}; retry in ${Math.ceil(waitMs / 1000)} s`,
      { limit: buckets.rate.limit, windowMs: buckets.rate.windowMs },
      { 'retry-after': String(Math.ceil(waitMs / 1000)) },
    );
}
