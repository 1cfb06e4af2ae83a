/**
 * Which partition a stream belongs to. The hash is the first 32 bits of the MD5 of the stream
 * name, because every driver can compute exactly that where the data is: JavaScript here,
 * `md5()` in PostgreSQL, a registered function in SQLite. It spreads names evenly; it is not
 * used for anything secret.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../errors/catalog.js';

/** The partition (0 … count − 1) of `stream` when the log is split `count` ways. */
export function streamPartition(stream: string, count: number): number {
  if (count === 1) return 0;
  return createHash('md5').update(stream).digest().readUInt32BE(0) % count;
}

/** The largest number of partitions a reader may split the log into. */
export const MAX_PARTITIONS = 1024;

/** Checks a partition filter; `subject` names the operation in the error. */
export function checkPartition(partition: unknown, subject: string): void {
  if (partition === undefined) return;
  const { count, index } = (partition ?? {}) as { count?: unknown; index?: unknown };
  const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
  if (!isInt(count) || count < 1 || count > MAX_PARTITIONS || !isInt(index) || index < 0 || index >= count) {
    throw new ValidationError(
      [
        {
          message: `must be { count: 1…${MAX_PARTITIONS}, index: 0…count − 1 }`,
          path: ['filter', 'partition'],
        },
      ],
      subject,
    );
  }
}
