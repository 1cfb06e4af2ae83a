/**
 * Integration tests talk to real servers. In CI a missing server must fail the run, never
 * skip it silently; on a laptop the suite may skip, saying which server and how to start it.
 */
import { connect } from 'node:net';

export interface RealService {
  /** Human name, e.g. `'PostgreSQL'`. */
  readonly name: string;
  readonly port: number;
  readonly host?: string;
  /** How to start it, shown when it is down. */
  readonly start?: string;
  /** Connection attempt timeout in ms (default 1500). */
  readonly timeoutMs?: number;
}

function canConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Resolves `true` when the service answers. When it does not: throws if `CI` is set (so the
 * run fails), else prints why the suite is skipped and resolves `false`.
 * @example
 * const postgres = await realService({ name: 'PostgreSQL', port: 5432 });
 * describe.runIf(postgres)('postgres store', () => { ... });
 */
export async function realService(
  service: RealService,
  env: NodeJS.ProcessEnv = process.env,
): Promise<boolean> {
  const host = service.host ?? '127.0.0.1';
  if (await canConnect(host, service.port, service.timeoutMs ?? 1500)) return true;
  const how = service.start ?? 'scripts/services.sh up';
  const message = `${service.name} is not reachable on ${host}:${service.port}; start it with \`${how}\``;
  if (env['CI'] && env['CI'] !== 'false' && env['CI'] !== '0')
    throw new Error(`${message} (CI=true: a missing service fails the run)`);
  console.warn(`Skipping the ${service.name} suite: ${message}`);
  return false;
}
