/**
 * What a node without the API (`daemon`, `payments`) serves, so an orchestrator can probe it
 * and Prometheus scrape it like an API node: `/health/live`, `/health/ready` (its store, its
 * daemon, its broker) and `/metrics`. Nothing else: no routes, no OpenAPI, no credentials.
 */
import type { WhizbangApp } from '@whizbang/core';
import { httpApi, serve, type HttpApiOptions } from '@whizbang/http';

export interface ManagementHttp {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * @example
 * const management = await serveManagement(app, 9464, observability.service.metrics);
 * console.log(`health: ${management.url}/health/ready`);
 */
export async function serveManagement(
  app: WhizbangApp,
  port: number,
  metrics: HttpApiOptions['metrics'],
): Promise<ManagementHttp> {
  const served = await serve(
    httpApi(app, {
      routes: () => undefined,
      openapi: false,
      ...(metrics !== undefined && { metrics }),
    }),
    { port },
  );
  return { url: `http://127.0.0.1:${served.port}`, close: () => served.close() };
}
