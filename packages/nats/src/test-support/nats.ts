// Test plumbing: the NATS server the integration tests talk to, stream clean-up, and a prefix
// unique to the run.
//
// By default each test file starts a nats-server of its own (the packaged binary, with the flags
// scripts/services.sh uses) on a free port with a throw-away store, so it can restart the broker
// without disturbing the shared server on :4222 that other suites and people use. With
// WHIZBANG_TEST_NATS set, the tests use that server instead, and skip what needs a restart.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { realService } from '@whizbang/testing';

export interface TestNats {
  /** False when the server is missing outside CI: the suite is skipped (realService said why). */
  readonly available: boolean;
  readonly url: string;
  /** Stops and starts the broker, keeping its store; absent for an external server. */
  readonly restart?: () => Promise<void>;
  /** The two halves of `restart`, to look at the transport while the broker is down. */
  readonly down?: () => Promise<void>;
  readonly up?: () => Promise<void>;
  /** Stops the server this file started, if it did. */
  stop(): Promise<void>;
}

const binary =
  process.env['WHIZBANG_NATS_SERVER'] ??
  ['/usr/sbin/nats-server', '/usr/local/bin/nats-server'].find(existsSync) ??
  'nats-server';

let counter = 0;
/** A stream prefix unique to this process and call: letters and digits, as the transport requires. */
export function testPrefix(): string {
  return `wbt${process.pid.toString(36)}${Date.now().toString(36)}${(counter++).toString(36)}`;
}

/**
 * The server to test against: WHIZBANG_TEST_NATS, or one started for this file. With
 * `jetstream: false`, always one started for this file, without JetStream.
 */
export async function testNats(options: { readonly jetstream?: boolean } = {}): Promise<TestNats> {
  const jetstream = options.jetstream ?? true;
  const external = process.env['WHIZBANG_TEST_NATS'];
  if (external && jetstream) {
    const url = new URL(external.includes('://') ? external : `nats://${external}`);
    const available = await realService({
      name: 'NATS JetStream',
      host: url.hostname,
      port: Number(url.port || 4222),
    });
    return { available, url: url.toString(), stop: async () => undefined };
  }
  return startOwnServer(jetstream);
}

async function startOwnServer(jetstream: boolean): Promise<TestNats> {
  const port = await freePort();
  const store = await mkdtemp(join(tmpdir(), 'whizbang-nats-'));
  const args = ['-a', '127.0.0.1', '-p', String(port), ...(jetstream ? ['-js', '-sd', store] : [])];
  const server: { process?: ChildProcess } = {};
  const start = async () => {
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    server.process = child;
    await ready(child);
  };
  const halt = async () => {
    const running = server.process;
    delete server.process;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  };
  const stop = async () => {
    await halt();
    await rm(store, { recursive: true, force: true });
  };
  const failure = await start().then(
    () => undefined,
    (error: unknown) => (error instanceof Error ? error.message : 'unknown error'),
  );
  // A suite that does not run never reaches its afterAll: clean up here when there is no server.
  const available = await realService({
    name: 'NATS JetStream (a nats-server started by the test)',
    port,
    start: `apt-get install nats-server, or set WHIZBANG_NATS_SERVER to its path or WHIZBANG_TEST_NATS to a running server${failure ? `; starting ${binary} failed: ${failure}` : ''}`,
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  if (!available) await stop();
  return {
    available,
    url: `nats://127.0.0.1:${port}`,
    restart: async () => {
      await halt();
      await start();
    },
    down: halt,
    up: start,
    stop,
  };
}

/** Resolves when the server logs that it is ready (JetStream, if enabled, is up by then); rejects if it exits. */
function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`nats-server was not ready in 10 s:\n${log}`)), 10_000);
    const done = (error?: Error) => {
      clearTimeout(timer);
      child.stderr?.removeAllListeners('data');
      child.stderr?.resume(); // keep draining, or a chatty server would block on a full pipe
      if (error) reject(error);
      else resolve();
    };
    child.once('error', done);
    child.once('exit', (code) => done(new Error(`nats-server exited with ${code}:\n${log}`)));
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('Server is ready')) {
        child.removeAllListeners('exit');
        done();
      }
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Deletes every stream whose name starts with `<prefix>_`: the destinations and dead letters of a run. */
export async function deleteStreams(url: string, prefix: string): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    for await (const name of jsm.streams.names())
      if (name.startsWith(`${prefix}_`)) await jsm.streams.delete(name);
  } finally {
    await nc.close();
  }
}
