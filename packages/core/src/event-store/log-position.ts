/** Ordering and encoding of `LogPosition`s, shared by every driver and checkpoint. */
import type { LogPosition } from './types.js';

/** Negative when `a` is before `b`, 0 when equal, positive after. Compared as (commit, position). */
export function compareLogPositions(a: LogPosition, b: LogPosition): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.position !== b.position) return a.position < b.position ? -1 : 1;
  return 0;
}

/** A stable text form, `commit:position`, for logs, URLs and JSON. */
export function formatLogPosition(p: LogPosition): string {
  return `${p.commit}:${p.position}`;
}

/** Parses `formatLogPosition`'s output. */
export function parseLogPosition(text: string): LogPosition {
  const match = /^(\d+):(\d+)$/.exec(text);
  if (!match) throw new TypeError(`Not a log position: '${text}'`);
  return { commit: BigInt(match[1]!), position: BigInt(match[2]!) };
}
