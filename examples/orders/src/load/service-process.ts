/**
 * The orders service as its own process, started the way `npm start` starts it (the built entry
 * on this Node), for `npm run load` when it is given no service and for the test of `npm start`.
 */
import { LISTENING } from '../http/start-banner.js';
import { spawnNodeProcess, type NodeProcess, type NodeProcessOptions } from '../topology/node-process.js';

export interface ServiceProcess extends Pick<NodeProcess, 'pid' | 'lines' | 'waitForLine' | 'stop'> {
  /** The URL its first line announced. */
  readonly url: string;
}

export type ServiceProcessOptions = Omit<NodeProcessOptions, 'onLine'>;

/**
 * @example
 * const service = await startServiceProcess({ entry, env: { PORT: '0', ORDERS_DATA_DIR: dir } });
 * // … service.url …
 * await service.stop();
 */
export async function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const service = spawnNodeProcess(options);
  let first: string;
  try {
    first = await service.waitForLine(new RegExp(`^${LISTENING} `));
  } catch (error) {
    await service.stop('SIGKILL');
    throw error;
  }
  return {
    url: first.slice(LISTENING.length + 1).trim(),
    pid: service.pid,
    lines: service.lines,
    waitForLine: (pattern, timeoutMs) => service.waitForLine(pattern, timeoutMs),
    stop: (signal) => service.stop(signal),
  };
}
