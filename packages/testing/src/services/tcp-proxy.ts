/**
 * A TCP proxy in front of a real server, for tests: take "the server" away from one client (and
 * stall it, or slow it down as a network link would) without touching the server other suites
 * share.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** The port the proxy listens on, at 127.0.0.1. */
  readonly port: number;
  /** Stops listening and cuts every connection, as a server that went away. */
  down(): Promise<void>;
  /** Listens again on the same port, forwarding as before. */
  up(): Promise<void>;
  /** Keeps the connections open but forwards nothing more: a server that stopped answering. */
  stall(): void;
  close(): Promise<void>;
}

export interface TcpProxyOptions {
  /** Holds every chunk this long, each way, so each round trip costs twice it (default 0). */
  readonly delayMs?: number;
}

/**
 * @example
 * const proxy = await tcpProxy({ host: '127.0.0.1', port: 6379 });
 * const transport = redisTransport({ url: `redis://127.0.0.1:${proxy.port}` });
 * await proxy.down(); // the transport's server is gone; others are untouched
 */
export async function tcpProxy(
  target: { readonly host: string; readonly port: number },
  options: TcpProxyOptions = {},
): Promise<TcpProxy> {
  const delayMs = options.delayMs ?? 0;
  const sockets = new Set<Socket>();
  let stalled = false;
  let server: Server | undefined;
  let port = 0;
  const forward = (from: Socket, to: Socket) =>
    from.on('data', (chunk: Buffer) => {
      if (stalled) return;
      if (delayMs === 0) to.write(chunk);
      else setTimeout(() => to.destroyed || to.write(chunk), delayMs);
    });
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect(target.port, target.host);
        for (const socket of [client, upstream]) {
          socket.setNoDelay(true);
          sockets.add(socket);
          socket.on('error', () => undefined);
          socket.on('close', () => {
            sockets.delete(socket);
            client.destroy();
            upstream.destroy();
          });
        }
        forward(client, upstream);
        forward(upstream, client);
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
    get port() {
      return port;
    },
    down,
    up: listen,
    stall: () => void (stalled = true),
    close: down,
  };
}
