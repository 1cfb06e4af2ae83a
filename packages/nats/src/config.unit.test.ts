import { describe, expect, it } from 'vitest';
import { isValidationError } from '@whizbang/core';
import { natsSettings } from './config.js';

describe('nats transport options', () => {
  it('has defaults', () => {
    const settings = natsSettings({});
    expect(settings).toMatchObject({
      servers: ['nats://127.0.0.1:4222'],
      prefix: 'whizbang',
      ackWaitMs: 30_000,
      duplicateWindowMs: 120_000,
      replicas: 1,
    });
  });

  it('names every bad option at once', () => {
    let error: unknown;
    try {
      natsSettings({ prefix: 'my_app', ackWaitMs: 10, replicas: 7, servers: [] });
    } catch (e) {
      error = e;
    }
    expect(isValidationError(error)).toBe(true);
    expect(String(error)).toMatch(/servers.*prefix.*ackWaitMs.*replicas/);
  });
});
