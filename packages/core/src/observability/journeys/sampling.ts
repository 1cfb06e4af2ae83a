/**
 * Journey sampling by correlation id: every process computes the same answer for the same id,
 * so a journey that crosses services is kept whole or dropped whole, with no coordination.
 */

/** FNV-1a (32 bits) over the UTF-16 code units of `text`: fast, and spreads similar ids well. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Where a correlation id falls in [0, 1), the same in every process. FNV-1a alone barely moves
 * the high bits for ids that differ only at their end (UUIDv7 ids minted together share their
 * leading timestamp), so a final avalanche step (MurmurHash3's) spreads them evenly.
 */
export function samplePoint(correlationId: string): number {
  let hash = fnv1a(correlationId);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 0x1_0000_0000;
}

/** Whether a journey is kept at `rate` (0 keeps none, 1 keeps all). */
export function isSampled(correlationId: string, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  return samplePoint(correlationId) < rate;
}

/** A short, stable hex digest of `text`, for ids that must be shortened. */
export function shortHash(text: string): string {
  return fnv1a(text).toString(16).padStart(8, '0');
}
