// Test plumbing: a TCP proxy in front of PostgreSQL that holds every chunk, each way, for a
// while, as a network link would; round trips then show in the time a call takes.
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface DelayingProxy {
  /** `url` with the proxy's host and port. */
  readonly url: string;
  close(): Promise<void>;
}

export async function delayingProxy(url: string, delayMs: number): Promise<DelayingProxy> {
  const target = new URL(url);
  const sockets = new Set<Socket>();
  const forward = (from: Socket, to: Socket) =>
    from
      .on('data', (chunk) => setTimeout(() => to.destroyed || to.write(chunk), delayMs))
      .on('close', () => setTimeout(() => to.destroy(), delayMs))
      .on('error', () => to.destroy());
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true);
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String((server.address() as AddressInfo).port);
  return {
    url: proxied.toString(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
