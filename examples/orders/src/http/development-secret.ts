/**
 * The HS256 secret of a service without ORDERS_JWT_SECRET: made once, at random, and kept in the
 * data directory (readable by its owner only), so the tokens one run prints still work after a
 * restart, and `npm run load` can sign its own.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '@whizbang/core';

export const DEVELOPMENT_SECRET_FILE = 'dev-jwt-secret';

export interface DevelopmentSecret {
  readonly secret: string;
  /** The file it is kept in. */
  readonly path: string;
  /** True when this call made it. */
  readonly created: boolean;
}

/**
 * The secret kept in `dataDir`, made there first if there is none.
 * @example
 * const { secret, path, created } = developmentSecret('data');
 */
export function developmentSecret(dataDir: string): DevelopmentSecret {
  const path = join(dataDir, DEVELOPMENT_SECRET_FILE);
  const kept = keptDevelopmentSecret(dataDir);
  if (kept !== undefined) return { secret: kept, path, created: false };
  const secret = randomBytes(32).toString('hex');
  try {
    // `wx`: of two services starting on one directory at once, one writes and both read its secret.
    writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return developmentSecret(dataDir);
  }
  return { secret, path, created: true };
}

/** The secret kept in `dataDir`, or undefined when there is none yet. */
export function keptDevelopmentSecret(dataDir: string): string | undefined {
  const path = join(dataDir, DEVELOPMENT_SECRET_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const secret = text.trim();
  if (Buffer.byteLength(secret) < 32)
    throw new ValidationError(
      [{ message: 'must hold at least 32 bytes: delete it to have a new one made', path: [path] }],
      'development secret',
    );
  return secret;
}
