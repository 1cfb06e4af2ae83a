/**
 * Saga timeouts under fire: two nodes run one saga on a shared database; hundreds of instances
 * each ask for a timeout; while the timeouts fall due, each node in turn is killed with SIGKILL
 * (one restarted before the other dies). At the end every timeout has fired exactly once: its
 * effect (an event appended, with no expected version, so a second firing would show as a
 * second event) is there once per instance, and every instance completed.
 */
import { expect, it } from 'vitest';
import {
  defineCommand,
  defineEvent,
  defineSaga,
  handle,
  sagaCollection,
  type,
  whizbang,
  type MessageOf,
  type Store,
  type Transport,
} from '@whizbang/core';
import { exitedOnItsOwn, kill, startNode, type Node } from './child-nodes.js';

const DeadlineSet = defineEvent('ChaosDeadlineSet', { data: type<{ id: string; dueInMs: number }>() });
const RecordExpiry = defineCommand('ChaosRecordExpiry', { data: type<{ id: string }>() });
const Expired = defineEvent('ChaosExpired', { data: type<{ id: string }>() });

const deadlines = defineSaga<{ readonly expired: boolean }, MessageOf<typeof DeadlineSet>>({
  name: 'chaos-deadlines',
  startedBy: [DeadlineSet],
  correlate: { ChaosDeadlineSet: (e) => e.data.id },
  initialState: () => ({ expired: false }),
  handlers: {
    ChaosDeadlineSet: (_state, e, saga) => saga.requestTimeout('expire', { delayMs: e.data.dueInMs }),
  },
  timeouts: {
    expire: (_state, _timeout, saga) => {
      saga.send(RecordExpiry({ id: saga.id }));
      saga.complete();
      return { expired: true };
    },
  },
});

/** Short leases, so a killed node's claims and shards pass to the other within seconds. */
const LEASE_MS = 2_000;

/**
 * One node of the saga chaos test, for driver and transport packages to call from a child
 * process. With a transport, timeouts and commands go through the broker; without, the node
 * delivers its own outbox.
 */
export async function runSagaChaosNode(store: Store, transport?: Transport): Promise<never> {
  const relay = { batchSize: 50, leaseMs: LEASE_MS, pollIntervalMs: 100 };
  const app = whizbang({
    store,
    sagas: [deadlines],
    handlers: [
      handle(RecordExpiry, async (command, ctx) => {
        await ctx.store.events.appendToStream(`expired-${command.data.id}`, [
          Expired({ id: command.data.id }),
        ]);
      }),
    ],
    daemon: { pollIntervalMs: 100, leaseTtlMs: LEASE_MS },
    ...(transport
      ? { messaging: { transport, service: 'saga-chaos', relay, retry: { maxAttempts: 20 } } }
      : { localDelivery: { relay, retry: { maxAttempts: 20 } } }),
  });
  await app.start();
  process.stdout.write('started\n');
  return new Promise<never>(() => setInterval(() => undefined, 60_000));
}

export interface SagaChaosOptions {
  /** The command that runs one node (see `runSagaChaosNode`); a node name is appended to it. */
  readonly command: readonly [string, ...string[]];
  /** Opens the store the nodes share, migrated and empty. */
  readonly open: () => Promise<Store> | Store;
  /** Saga instances, each with one timeout (default 300, or `WHIZBANG_SAGA_CHAOS_INSTANCES`). */
  readonly instances?: number;
  /** How long the whole run may take before it fails (ms; default 2 minutes). */
  readonly timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function sagaTimeoutChaosConformance(name: string, options: SagaChaosOptions): void {
  const total = options.instances ?? Number(process.env['WHIZBANG_SAGA_CHAOS_INSTANCES'] ?? 300);
  const timeoutMs = options.timeoutMs ?? 120_000;

  it(
    `${name}: ${total} saga timeouts fire exactly once across two nodes, each killed with SIGKILL in turn`,
    async () => {
      const store = await options.open();
      const nodes: Node[] = [];
      const start = async (role: string) => {
        const node = startNode(options.command, role);
        nodes.push(node);
        await node.started;
        return node;
      };
      try {
        const [a, b] = await Promise.all([start('a'), start('b')]);
        // Timeouts fall due over the next six seconds, while the nodes are killed.
        for (let i = 0; i < total; i += 100)
          await store.events.appendToStreams(
            Array.from({ length: Math.min(100, total - i) }, (_, j) => {
              const id = String(i + j).padStart(5, '0');
              const dueInMs = 1_000 + Math.floor(((i + j) / total) * 5_000);
              return { stream: `deadline-${id}`, events: [DeadlineSet({ id, dueInMs })] };
            }),
          );
        await sleep(2_500);
        await kill(a); // holding claims on due timeouts, maybe the saga's shard too
        await sleep(1_500);
        const again = await start('a2');
        await sleep(1_500);
        await kill(b);

        const deadline = Date.now() + timeoutMs;
        let fired = new Map<string, number>();
        for (;;) {
          if (exitedOnItsOwn(again)) throw new Error('the surviving node exited');
          fired = new Map();
          for await (const event of store.events.readAll({ filter: { types: [Expired.type] } }))
            fired.set(event.stream, (fired.get(event.stream) ?? 0) + 1);
          if (fired.size >= total && (await store.outbox.list({ limit: 1 })).length === 0) break;
          if (Date.now() > deadline)
            throw new Error(`only ${fired.size} of ${total} timeouts fired after ${timeoutMs} ms`);
          await sleep(250);
        }
        await sleep(LEASE_MS * 2); // a late second firing would show now
        fired = new Map();
        for await (const event of store.events.readAll({ filter: { types: [Expired.type] } }))
          fired.set(event.stream, (fired.get(event.stream) ?? 0) + 1);
        const twice = [...fired].filter(([, count]) => count !== 1);
        expect({ fired: fired.size, twice: twice.slice(0, 10) }).toEqual({ fired: total, twice: [] });
        const completed = await store.documents.count(sagaCollection(deadlines.name), {
          where: { status: 'completed' },
        });
        expect(completed).toBe(total);
        expect(await store.deadLetters.list({ limit: 5 })).toEqual([]);
      } finally {
        await Promise.all(nodes.map(kill));
        await store.close();
      }
    },
    timeoutMs + 60_000,
  );
}
