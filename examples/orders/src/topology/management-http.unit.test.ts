import { memoryStore, whizbang } from '@whizbang/core';
import { afterEach, describe, expect, it } from 'vitest';
import { serveManagement, type ManagementHttp } from './management-http.js';

describe('serveManagement', () => {
  let management: ManagementHttp | undefined;
  afterEach(() => management?.close());

  it('serves health and metrics, without credentials, and nothing else', async () => {
    const app = whizbang({ store: memoryStore() });
    await app.start();
    try {
      management = await serveManagement(app, 0, {
        handler: async () => ({ contentType: 'text/plain; version=0.0.4', body: 'whizbang_up 1\n' }),
      });
      const get = (path: string) => fetch(`${management?.url}${path}`);
      expect((await get('/health/live')).status).toBe(200);
      const ready = await get('/health/ready');
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'pass' });
      expect(await (await get('/metrics')).text()).toBe('whizbang_up 1\n');
      for (const path of ['/openapi.json', '/orders']) expect((await get(path)).status).toBe(404);
    } finally {
      await app.stop();
    }
  });

  it('answers 503 on readiness while its store does not answer', async () => {
    const store = memoryStore();
    const app = whizbang({ store });
    management = await serveManagement(app, 0, undefined);
    await store.close();
    const ready = await fetch(`${management.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'fail', checks: { store: { status: 'fail' } } });
    expect((await fetch(`${management.url}/health/live`)).status).toBe(200);
  });
});
