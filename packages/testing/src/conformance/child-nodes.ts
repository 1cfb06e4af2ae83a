/** Child processes for the chaos suites: started from a command, known started, killed hard. */
import { spawn, type ChildProcess } from 'node:child_process';

export interface Node {
  readonly child: ChildProcess;
  /** Resolves when the node printed `started`; rejects if it exits first. */
  readonly started: Promise<void>;
  readonly role: string;
}

/** Runs `command` with `role` appended. */
export function startNode(command: readonly string[], role: string): Node {
  const [cmd, ...args] = command;
  const child = spawn(cmd!, [...args, role], { stdio: ['ignore', 'pipe', 'inherit'] });
  const started = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('started')) resolve();
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`${role} exited (${code ?? signal}) before starting`)),
    );
  });
  started.catch(() => undefined);
  return { child, started, role };
}

/** SIGKILL: no shutdown hooks, no goodbyes; resolves once the process is gone. */
export function kill({ child }: Node): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  return exited;
}

/** Whether the node ended on its own (an exit code), not by the test's signal. */
export const exitedOnItsOwn = ({ child }: Node) => child.exitCode !== null;
