// Test plumbing: the server from the environment, a key prefix per run, and a raw connection
// for looking at (and interfering with) what the transport keeps in Redis.
import { Redis } from 'ioredis';
import { realService } from '@whizbang/testing';

export const redisUrl = process.env['WHIZBANG_TEST_REDIS'] ?? 'redis://127.0.0.1:6379';

/** True when Redis answers; fails the run in CI when it does not. */
export function redisAvailable(): Promise<boolean> {
  const url = new URL(redisUrl);
  return realService({ name: 'Redis', host: url.hostname, port: Number(url.port || 6379) });
}

let counter = 0;
const run = `wbt:${process.pid}:${Date.now().toString(36)}`;
/** A key prefix unique to this process and call, so test files and cases never share keys. */
export function freshPrefix(): string {
  return `${run}:${counter++}:`;
}

/** A plain connection for the test itself, outside the transport. */
export function rawClient(): Redis {
  return new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 1 });
}

/** Deletes every key this process made under `freshPrefix`. */
export async function deleteTestKeys(): Promise<void> {
  const redis = rawClient();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${run}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * Drops every client connection but this one, as a broker restart would. The server itself
 * keeps running: it has no persistence here, so a real restart would wipe the streams.
 */
export async function killClientConnections(): Promise<void> {
  const admin = rawClient();
  try {
    await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
  } finally {
    admin.disconnect();
  }
}

/** Polls `check` until it returns true, failing with `what` after `timeoutMs`. */
export async function eventually(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
