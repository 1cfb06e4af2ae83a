import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { realService } from './real-service.js';

describe('realService', () => {
  let server: Server;
  let port = 0;
  let closedPort = 0;

  beforeAll(async () => {
    server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
    // A port that was just free: listen, note it, close.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('is true when the service answers', async () => {
    await expect(realService({ name: 'Test', port }, {})).resolves.toBe(true);
  });

  it('fails the run in CI when the service is down', async () => {
    await expect(realService({ name: 'Test', port: closedPort }, { CI: 'true' })).rejects.toThrow(
      /Test is not reachable.*CI=true/,
    );
  });

  it('skips with a message naming the service and how to start it elsewhere', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    await expect(realService({ name: 'Test', port: closedPort, start: 'make test-up' }, {})).resolves.toBe(
      false,
    );
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/Skipping the Test suite.*make test-up/));
    warn.mockRestore();
  });
});
