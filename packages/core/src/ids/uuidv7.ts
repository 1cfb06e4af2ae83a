/**
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then a 12-bit counter (method 1), then 62
 * random bits. Ids from one process are strictly increasing, so they sort by creation.
 *
 * This sits on the dispatch hot path (every envelope gets one), so it avoids per-id
 * allocation: randomness comes from a pooled buffer, and the timestamp's hex prefix is
 * rebuilt only when the millisecond changes.
 */
import { getRandomValues } from 'node:crypto';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const POOL_SIZE = 8 * 512;
const pool = new Uint8Array(POOL_SIZE);
let poolOffset = POOL_SIZE;

let lastMs = -1;
let counter = 0;
let prefix = '';

function refill(): void {
  getRandomValues(pool);
  poolOffset = 0;
}

function setTime(ms: number): void {
  lastMs = ms;
  const hex = ms.toString(16).padStart(12, '0');
  prefix = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7`;
  if (poolOffset + 2 > POOL_SIZE) refill();
  // A random start leaves the counter's top bit clear so bursts within one millisecond
  // have at least 2048 increments of headroom before borrowing the next millisecond.
  counter = ((pool[poolOffset]! << 8) | pool[poolOffset + 1]!) & 0x7ff;
  poolOffset += 2;
}

/**
 * A new UUIDv7 string, monotonic within this process.
 * @example
 * const id = uuidv7(); // '0193a6f2-7c1e-7a31-9f0e-5b2d1c3e4f56'
 */
export function uuidv7(): string {
  const now = Date.now();
  if (now > lastMs) setTime(now);
  else if (++counter > 0xfff) setTime(lastMs + 1); // clock went back or counter exhausted
  if (poolOffset + 8 > POOL_SIZE) refill();
  const p = pool;
  const o = poolOffset;
  poolOffset = o + 8;
  const c = counter;
  return (
    prefix +
    HEX[c >> 8]![1] +
    HEX[c & 0xff] +
    '-' +
    HEX[(p[o]! & 0x3f) | 0x80] +
    HEX[p[o + 1]!] +
    '-' +
    HEX[p[o + 2]!] +
    HEX[p[o + 3]!] +
    HEX[p[o + 4]!] +
    HEX[p[o + 5]!] +
    HEX[p[o + 6]!] +
    HEX[p[o + 7]!]
  );
}

/** The millisecond timestamp embedded in a UUIDv7. */
export function uuidv7Timestamp(id: string): number {
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
