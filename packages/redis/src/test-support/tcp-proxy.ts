// Test plumbing: a TCP proxy in front of the real Redis, so a test can take "the server" away
// from one transport (and stall it) without stopping the server other suites share.
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** `redis://127.0.0.1:<port>`: the proxy's address. */
  readonly url: string;
  /** Stops listening and cuts every connection, as a server that went away. */
  down(): Promise<void>;
  /** Listens again on the same port, forwarding as before. */
  up(): Promise<void>;
  /** Keeps the connections open but forwards nothing more: a server that stopped answering. */
  stall(): void;
  close(): Promise<void>;
}

export async function tcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let stalled = false;
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect(target.port, target.host);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('error', () => undefined);
          socket.on('close', () => {
            sockets.delete(socket);
            client.destroy();
            upstream.destroy();
          });
        }
        client.on('data', (chunk: Buffer) => void (stalled || upstream.write(chunk)));
        upstream.on('data', (chunk: Buffer) => void (stalled || client.write(chunk)));
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as { port: number }).port;
        server = s;
        resolve();
      });
    });
  const down = async () => {
    const s = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (s) await new Promise((resolve) => s.close(resolve));
  };
  await listen();
  return {
    url: `redis://127.0.0.1:${port}`,
    down,
    up: listen,
    stall: () => void (stalled = true),
    close: down,
  };
}
