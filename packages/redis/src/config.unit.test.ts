import { describe, expect, it } from 'vitest';
import { isValidationError } from '@whizbang/core';
import { Redis } from 'ioredis';
import { transportConfig, type RedisTransportOptions } from './config.js';
import { redisTransport } from './redis-transport.js';

const issuesOf = (options: RedisTransportOptions) => {
  try {
    transportConfig(options);
  } catch (error) {
    if (isValidationError(error)) return error.issues.map((i) => i.path?.join('.'));
    throw error;
  }
  return [];
};

describe('redis transport options', () => {
  it('fills in the defaults', () => {
    const config = transportConfig({});
    expect(config).toMatchObject({ prefix: 'whizbang:', claimIdleMs: 30_000, blockMs: 2_000, trim: true });
    expect(config.waitForReplicas).toBeUndefined();
  });

  it('names every bad option at once', () => {
    expect(
      issuesOf({
        url: 'http://localhost',
        prefix: 'has space',
        claimIdleMs: 0,
        blockMs: 1.5,
        waitForReplicas: { replicas: 1, timeoutMs: 0 },
      }),
    ).toEqual(['url', 'prefix', 'claimIdleMs', 'blockMs', 'waitForReplicas.timeoutMs']);
  });

  it("refuses a client together with url, and ioredis' keyPrefix, which would move the keys under the scripts", () => {
    const client = new Redis({ lazyConnect: true });
    expect(issuesOf({ client, url: 'redis://127.0.0.1:6379' })).toEqual(['client']);
    expect(issuesOf({ redis: { keyPrefix: 'app:' } })).toEqual(['redis.keyPrefix']);
    client.disconnect();
  });

  it('fails before connecting', () => {
    expect(() => redisTransport({ claimIdleMs: -1 })).toThrow(
      /claimIdleMs: must be an integer from 100 to 86400000/,
    );
  });
});
