/**
 * The orders service as its own process, started the way `npm start` starts it (the built entry
 * on this Node), for `npm run load` when it is given no service and for the test of `npm start`.
 * Its output is read as it comes, so the process never blocks on a full pipe.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LISTENING } from '../http/start-banner.js';

export interface ServiceProcess {
  /** The URL its first line announced. */
  readonly url: string;
  /** Its standard output so far, line by line. */
  readonly lines: readonly string[];
  /** Resolves with the first line (so far or to come) that `pattern` matches. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code once it has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface ServiceProcessOptions {
  /** The built entry, `examples/orders/dist/http/main.js`. */
  readonly entry: string | URL;
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** How long to wait for the URL (default 30 s). */
  readonly timeoutMs?: number;
}

/**
 * @example
 * const service = await startServiceProcess({ entry, env: { PORT: '0', ORDERS_DATA_DIR: dir } });
 * // … service.url …
 * await service.stop();
 */
export async function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const entry = options.entry instanceof URL ? fileURLToPath(options.entry) : options.entry;
  const child = spawn(process.execPath, [entry], {
    ...(options.cwd !== undefined && { cwd: options.cwd }),
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  let partial = '';
  const waiters = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    for (const wake of waiters) wake();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4_000);
  });
  // `close`, not `exit`: by then its output has been read to the end.
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      if (partial !== '') lines.push(partial);
      partial = '';
      resolve(code);
    }),
  );
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    for (const wake of waiters) wake();
  });

  const waitForLine = (pattern: RegExp, timeoutMs = options.timeoutMs ?? 30_000) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(
          new Error(`The service printed no line matching ${pattern} in ${timeoutMs} ms; stderr: ${stderr}`),
        );
      }, timeoutMs);
      function check() {
        const found = lines.find((line) => pattern.test(line));
        if (found === undefined && !hasExited) return;
        clearTimeout(timer);
        waiters.delete(check);
        if (found !== undefined) resolve(found);
        else reject(new Error(`The service exited before printing ${pattern}; stderr: ${stderr}`));
      }
      waiters.add(check);
      check();
    });

  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (!hasExited) child.kill(signal);
    return exited;
  };

  let first: string;
  try {
    first = await waitForLine(new RegExp(`^${LISTENING} `));
  } catch (error) {
    await stop('SIGKILL');
    throw error;
  }
  return { url: first.slice(LISTENING.length + 1).trim(), lines, waitForLine, stop };
}
