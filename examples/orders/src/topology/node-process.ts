/**
 * A process of the service started from a script (`npm run topology`, `npm run load`, the e2e
 * suites): the built entry on this Node, its output read line by line as it comes (so it never
 * blocks on a full pipe), kept, and handed to whoever shows it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface NodeProcess {
  readonly pid: number | undefined;
  /** Its standard output so far, line by line. */
  readonly lines: readonly string[];
  /** The end of its standard error, for saying why it failed. */
  stderrTail(): string;
  /** Resolves with the first line (so far or to come) that `pattern` matches; rejects if it exits first. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with its exit code (null when a signal ended it) once it has exited and its output is read. */
  readonly exited: Promise<number | null>;
  readonly hasExited: boolean;
  /** Sends `signal` (default SIGTERM) unless it has exited, and resolves as `exited` does. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface NodeProcessOptions {
  /** The built entry, e.g. `examples/orders/dist/http/main.js`. */
  readonly entry: string | URL;
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Hears every line it writes, as it comes (to show it, prefixed, say). */
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** How long `waitForLine` waits by default (30 s). */
  readonly timeoutMs?: number;
  /**
   * Its own process group, out of reach of the terminal's Ctrl+C (default false): for a parent
   * that forwards signals itself, so no process hears one twice.
   */
  readonly ownProcessGroup?: boolean;
}

const STDERR_KEPT = 4_000;

/** A pattern for a line that is `text` (`start: true`: that starts with it), whatever it holds. */
export function lineMatching(text: string, options: { readonly start?: boolean } = {}): RegExp {
  const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped}${options.start === true ? '' : '$'}`);
}

/**
 * @example
 * const api = spawnNodeProcess({ entry, env: { ORDERS_ROLE: 'api', PORT: '0' }, onLine: console.log });
 * const listening = await api.waitForLine(/^Whizbang orders service listening on /);
 * await api.stop();
 */
export function spawnNodeProcess(options: NodeProcessOptions): NodeProcess {
  const entry = options.entry instanceof URL ? fileURLToPath(options.entry) : options.entry;
  const child = spawn(process.execPath, [entry], {
    ...(options.cwd !== undefined && { cwd: options.cwd }),
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.ownProcessGroup ?? false,
  });
  const lines: string[] = [];
  let stderr = '';
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of waiters) waiter();
  };
  const partial = { stdout: '', stderr: '' };
  const read = (stream: 'stdout' | 'stderr', text: string, end = false) => {
    const parts = (partial[stream] + text).split('\n');
    partial[stream] = end ? '' : parts.pop()!;
    for (const line of parts) {
      if (end && line === '') continue;
      if (stream === 'stdout') lines.push(line);
      options.onLine?.(line, stream);
    }
    if (stream === 'stdout') wake();
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => read('stdout', chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEPT);
    read('stderr', chunk);
  });
  let hasExited = false;
  // `close`, not `exit`: by then its output has been read to the end.
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      read('stdout', '', true);
      read('stderr', '', true);
      hasExited = true;
      wake();
      resolve(code);
    }),
  );

  const waitForLine = (pattern: RegExp, timeoutMs = options.timeoutMs ?? 30_000) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(
          new Error(
            `${entry} printed no line matching ${pattern} in ${timeoutMs} ms; its last lines:\n${lines.slice(-20).join('\n')}\nstderr: ${stderr}`,
          ),
        );
      }, timeoutMs);
      function check() {
        const found = lines.find((line) => pattern.test(line));
        if (found === undefined && !hasExited) return;
        clearTimeout(timer);
        waiters.delete(check);
        if (found !== undefined) resolve(found);
        else reject(new Error(`${entry} exited before printing ${pattern}; stderr: ${stderr}`));
      }
      waiters.add(check);
      check();
    });

  return {
    pid: child.pid,
    lines,
    stderrTail: () => stderr,
    waitForLine,
    exited,
    get hasExited() {
      return hasExited;
    },
    stop: (signal: NodeJS.Signals = 'SIGTERM') => {
      if (!hasExited) child.kill(signal);
      return exited;
    },
  };
}
