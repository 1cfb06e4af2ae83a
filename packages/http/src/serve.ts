/** Serving the edge on Node's HTTP server, with a clean shutdown. */
import { serve as serveNode, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';

export interface Served {
  /** The port it listens on (useful with `port: 0`). */
  readonly port: number;
  /** Stops taking connections and waits for the open ones to finish. */
  close(): Promise<void>;
}

/**
 * Listens on `port` (default 3000) and `hostname` (default all interfaces); rejects when it
 * cannot (the port is in use, say), with the listen error and its `code`.
 */
export async function serve(
  api: Pick<Hono<any>, 'fetch'>,
  options: { readonly port?: number; readonly hostname?: string } = {},
): Promise<Served> {
  let server!: ServerType;
  const port = await new Promise<number>((resolve, reject) => {
    server = serveNode(
      {
        fetch: api.fetch,
        port: options.port ?? 3000,
        ...(options.hostname && { hostname: options.hostname }),
      },
      (info) => {
        server.off('error', reject);
        resolve(info.port);
      },
    );
    // A port in use (EADDRINUSE) or not allowed (EACCES) rejects, rather than crash the process.
    server.once('error', reject);
  });
  return {
    port,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
