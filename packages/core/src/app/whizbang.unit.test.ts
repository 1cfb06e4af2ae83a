import { describe, expect, it } from 'vitest';
import { isStateError } from '../errors/catalog.js';
import { memoryStore } from '../memory/memory-store.js';
import { whizbang, type BackgroundService } from './whizbang.js';

function service(name: string, trail: string[], failOnStart = false): BackgroundService {
  return {
    name,
    start: async (signal) => {
      if (failOnStart) throw new Error(`${name} cannot start`);
      trail.push(`start ${name}`);
      signal.addEventListener('abort', () => trail.push(`abort seen by ${name}`));
    },
    stop: async () => void trail.push(`stop ${name}`),
  };
}

describe('whizbang app', () => {
  it('starts services in order and stops them in reverse, signalling abort first', async () => {
    const trail: string[] = [];
    const app = whizbang({
      store: memoryStore(),
      services: [service('daemon', trail), service('relay', trail)],
    });
    await app.start();
    expect(app.state).toBe('started');
    await app.stop();
    expect(trail).toEqual([
      'start daemon',
      'start relay',
      'abort seen by daemon',
      'abort seen by relay',
      'stop relay',
      'stop daemon',
    ]);
    expect(app.state).toBe('idle');
  });

  it('rolls back a failed start', async () => {
    const trail: string[] = [];
    const app = whizbang({
      store: memoryStore(),
      services: [service('daemon', trail), service('relay', trail, true)],
    });
    await expect(app.start()).rejects.toThrow('relay cannot start');
    expect(trail).toContain('stop daemon');
    expect(app.state).toBe('idle');
  });

  it('refuses to start twice', async () => {
    const app = whizbang({ store: memoryStore() });
    await app.start();
    await expect(app.start()).rejects.toSatisfy(isStateError);
    await app.stop();
  });
});
