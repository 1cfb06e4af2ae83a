/**
 * The daemon under fire: several daemon processes share a projection's partitions while
 * writers append, and one of them is killed with SIGKILL every few seconds and restarted.
 * At the end every counter equals its stream's event count and every document equals a fresh
 * fold of the log: nothing lost, nothing applied twice. And lease failover: kill the holder of
 * a partition and time how long until another node holds it.
 */
import { expect, it } from 'vitest';
import { defineProjection, project, ProjectionDaemon, waitForProjections, type Store } from '@whizbang/core';
import { kill, startNode, type Node } from './child-nodes.js';

/** The projection every chaos node runs: per stream, how many events and the last version seen. */
export const chaosCounter = defineProjection<{ count: number; last: number }>({
  name: 'chaos-counter',
  partitions: 4,
  initialState: () => ({ count: 0, last: 0 }),
  handlers: {
    Counted: (doc, e) => ({ count: doc.count + 1, last: e.streamVersion }),
  },
});

/** Lease settings of chaos nodes: short, so a killed node's partitions move within seconds. */
export const CHAOS_LEASE = { leaseTtlMs: 3_000, heartbeatMs: 500 } as const;

/** A daemon node's main, for driver packages to call from a child process. */
export async function runChaosNode(store: Store, nodeId: string): Promise<never> {
  const daemon = new ProjectionDaemon({
    store,
    projections: [chaosCounter],
    nodeId,
    batchSize: 500,
    ...CHAOS_LEASE,
  });
  await daemon.start();
  process.stdout.write(`started ${nodeId}\n`);
  return new Promise<never>(() => setInterval(() => undefined, 60_000));
}

export interface DaemonChaosOptions {
  /** The command that runs one node (see `runChaosNode`); the node id is appended to it. */
  readonly command: readonly [string, ...string[]];
  /** Opens the store the nodes use, migrated. */
  readonly open: () => Promise<Store> | Store;
  /** Events to append in all (default 100,000, or `WHIZBANG_CHAOS_EVENTS`). */
  readonly events?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function daemonChaosConformance(name: string, options: DaemonChaosOptions): void {
  const total = options.events ?? Number(process.env['WHIZBANG_CHAOS_EVENTS'] ?? 100_000);

  it(`${name}: 3 daemon nodes, one killed every 3 s, while 4 writers append ${total} events: every count exact`, async () => {
    const store = await options.open();
    const nodes: Node[] = [];
    let generation = 0;
    const spawnNode = (i: number) => (nodes[i] = startNode(options.command, `chaos-${i}-${generation++}`));
    try {
      for (let i = 0; i < 3; i++) spawnNode(i);
      await Promise.all(nodes.map((n) => n.started));
      const streams = 200;
      const perAppend = 10;
      let next = 0;
      const written = new Map<string, number>();
      const writer = async () => {
        while (next < total / perAppend) {
          const k = next++;
          const stream = `chaos-${k % streams}`;
          const events = Array.from({ length: perAppend }, () => ({ type: 'Counted', data: { k } }));
          await store.events.appendToStream(stream, events);
          written.set(stream, (written.get(stream) ?? 0) + perAppend);
        }
      };
      const progress = { writing: true };
      let kills = 0;
      // Kills go on while the writers write and, on a fast machine, until three have happened
      // (the nodes are then catching up, which is just as good a time to die).
      const chaos = (async () => {
        while (progress.writing || kills < 3) {
          await sleep(3_000);
          const victim = kills++ % 3;
          await kill(nodes[victim]!);
          spawnNode(victim);
        }
      })();
      await Promise.all([writer(), writer(), writer(), writer()]);
      progress.writing = false;
      await chaos;
      await Promise.all(nodes.map((n) => n.started));
      await waitForProjections(store, [chaosCounter], { timeoutMs: 120_000 });

      const docs = await store.documents.getMany(chaosCounter.collection, [...written.keys()]);
      const stored = Object.fromEntries(docs.map((doc) => [doc.id, doc.data]));
      const expected: Record<string, unknown> = {};
      const folded: Record<string, unknown> = {};
      for (const [stream, count] of written) {
        expected[stream] = { count, last: (await store.events.getStreamInfo(stream)).version };
        folded[stream] = await project(store, chaosCounter, stream);
      }
      expect(stored).toEqual(expected);
      expect(stored).toEqual(folded);
      expect(kills).toBeGreaterThan(0);
      console.info(`${name} daemon chaos: ${total} events, ${kills} nodes killed, every count exact`);
    } finally {
      await Promise.all(nodes.map(kill));
      await store.close();
    }
  }, 600_000);

  it(`${name}: a killed node's partition is taken over by another within 10 s`, async () => {
    const store = await options.open();
    const nodes = [startNode(options.command, 'failover-a'), startNode(options.command, 'failover-b')];
    try {
      await Promise.all(nodes.map((n) => n.started));
      const shard = `projection/${chaosCounter.name}@${chaosCounter.version}/0-of-4`;
      const holder = async () =>
        (await store.checkpoints.listLeases({ prefix: shard })).find((l) => l.active);
      let before = await holder();
      for (let i = 0; i < 100 && !before; i++) before = (await sleep(100), await holder());
      expect(before, 'someone holds partition 0').toBeDefined();
      const victim = before!.owner === 'failover-a' ? 0 : 1;
      const killedAt = Date.now();
      await kill(nodes[victim]!);
      let after = await holder();
      while (!(after && after.owner !== before!.owner) && Date.now() - killedAt < 30_000) {
        await sleep(50);
        after = await holder();
      }
      const tookMs = Date.now() - killedAt;
      expect(after?.owner).toBe(victim === 0 ? 'failover-b' : 'failover-a');
      expect(after!.epoch).toBeGreaterThan(before!.epoch);
      expect(tookMs).toBeLessThan(10_000);
      console.info(
        `${name} lease failover: partition 0 taken over ${tookMs} ms after SIGKILL (lease ${CHAOS_LEASE.leaseTtlMs} ms)`,
      );
    } finally {
      await Promise.all(nodes.map(kill));
      await store.close();
    }
  }, 120_000);
}
