/**
 * Kill -9 of a writer in the middle of atomic multi-stream appends: after a restart no part of
 * an unfinished append is visible, and every append acknowledged before the kill is there.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { expect, it } from 'vitest';
import type { Store } from '@whizbang/core';

export interface CrashRecoveryOptions {
  /** The command that runs the writer (see `runCrashWriter`); it prints `ack <k>` per append. */
  readonly command: readonly [string, ...string[]];
  /** Opens the store the writer wrote to, as a restarted process would. */
  readonly open: () => Promise<Store> | Store;
  /** Acknowledgements to wait for before the kill (default 300). */
  readonly killAfterAcks?: number;
}

/** Streams an append `k` writes to, and its events; parts identify the pieces of one append. */
export const CRASH_PARTS = 4;

/**
 * The writer's loop, for driver packages to call from a child process: `concurrency` loops of
 * atomic appends across three streams, each acknowledged on stdout once it resolved.
 */
export async function runCrashWriter(store: Store, concurrency = 4): Promise<never> {
  let next = 0;
  const loop = async () => {
    for (;;) {
      const k = next++;
      await store.events.appendToStreams([
        { stream: `crash-a-${k % 20}`, events: [{ type: 'Part', data: { k, part: 0 } }] },
        {
          stream: `crash-b-${k % 20}`,
          events: [
            { type: 'Part', data: { k, part: 1 } },
            { type: 'Part', data: { k, part: 2 } },
          ],
        },
        { stream: `crash-c-${k % 20}`, events: [{ type: 'Part', data: { k, part: 3 } }] },
      ]);
      process.stdout.write(`ack ${k}\n`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  throw new Error('unreachable');
}

export function crashRecoveryConformance(name: string, options: CrashRecoveryOptions): void {
  it(`${name}: kill -9 mid-append loses nothing acknowledged and leaves no partial append`, async () => {
    const [command, ...args] = options.command;
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const acked = new Set<number>();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        const match = /^ack (\d+)$/.exec(line);
        if (match) acked.add(Number(match[1]));
        if (acked.size >= (options.killAfterAcks ?? 300)) {
          child.kill('SIGKILL');
          lines.close();
          resolve();
        }
      });
      child.once('exit', (code, signal) => {
        if (signal !== 'SIGKILL') reject(new Error(`the writer exited on its own (${code}): ${stderr}`));
      });
    });
    await exited;

    const store = await options.open();
    try {
      const parts = new Map<number, number[]>();
      for await (const event of store.events.readAll()) {
        const { k, part } = event.data as { k: number; part: number };
        parts.set(k, [...(parts.get(k) ?? []), part]);
      }
      const partial = [...parts].filter(([, p]) => p.length !== CRASH_PARTS);
      expect(partial, 'an append is visible in part').toEqual([]);
      const lost = [...acked].filter((k) => !parts.has(k));
      expect(lost, 'acknowledged appends are missing after the restart').toEqual([]);
      expect(parts.size).toBeGreaterThanOrEqual(acked.size);
    } finally {
      await store.close();
    }
  }, 120_000);
}
