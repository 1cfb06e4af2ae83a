// A Redis of the test's own, with every write in an fsynced append-only file, so it can be
// really stopped and started again without losing a stream (the machine's shared Redis runs
// without persistence, where a restart would wipe everything).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

export class DurableRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'whizbang-redis-'));
  #server: ChildProcess | undefined;

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.#server) return;
    const server = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
      ],
      { stdio: 'ignore' },
    );
    this.#server = server;
    for (let i = 0; i < 100 && !(await answers(this.port)); i++) await sleep(100);
    if (!(await answers(this.port))) throw new Error(`redis-server did not come up on port ${this.port}`);
  }

  /** Stops the server as a crash would: SIGKILL, no shutdown save; the fsynced AOF is all that survives. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
    server.kill('SIGKILL');
    await exited;
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
