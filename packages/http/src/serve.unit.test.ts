import { createServer, type Server } from 'node:net';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { serve } from './serve.js';

describe('serve', () => {
  let taken: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (taken ? taken.close(() => resolve()) : resolve())));

  it('answers on the port it reports, and closes', async () => {
    const app = new Hono().get('/', (c) => c.text('hi'));
    const served = await serve(app, { port: 0, hostname: '127.0.0.1' });
    expect(await (await fetch(`http://127.0.0.1:${served.port}/`)).text()).toBe('hi');
    await served.close();
    await expect(fetch(`http://127.0.0.1:${served.port}/`)).rejects.toThrow('fetch failed');
  });

  it('rejects with EADDRINUSE when the port is taken, instead of crashing the process', async () => {
    taken = createServer();
    const port = await new Promise<number>((resolve) =>
      taken!.listen(0, '127.0.0.1', () => resolve((taken!.address() as { port: number }).port)),
    );
    await expect(serve(new Hono(), { port, hostname: '127.0.0.1' })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
  });
});
