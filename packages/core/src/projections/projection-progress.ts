/**
 * Where every async projection stands, read from the store so any node sees the whole
 * cluster: each shard's checkpoint, holder and lag behind the head of the log; and a wait for
 * all of them to catch up, for tests and for read-your-writes at the edge.
 */
import { pause } from '../async/sleep.js';
import { StateError } from '../errors/catalog.js';
import { compareLogPositions } from '../event-store/log-position.js';
import { LOG_START, type LogPosition } from '../event-store/types.js';
import type { Store } from '../store/ports.js';
import type { Projection } from './define-projection.js';
import { firstGeneration, shardsOf, type Shard } from './generations.js';
import { readRegistry } from './projection-registry.js';
import type { Reactor } from './define-reactor.js';
import { reactorShards } from './reactor-work.js';

export interface ShardProgress {
  readonly shard: string;
  readonly projection: string;
  readonly version: number;
  readonly generation: number;
  /** True for a generation being built beside the serving one. */
  readonly replaying: boolean;
  readonly partition: number;
  /** `LOG_START` before the shard's first commit. */
  readonly checkpoint: LogPosition;
  /** The node holding the shard's lease, if one does now. */
  readonly owner?: string;
  readonly epoch?: number;
  /** Global positions between the checkpoint and the head (events of every type and stream). */
  readonly positionsBehind: number;
  /** Age of the oldest event the shard has still to apply; 0 when caught up. */
  readonly secondsBehind: number;
}

/** The shards of the serving generation of each async projection and, with `building`, of the one being built. */
async function asyncShards(
  store: Store,
  workers: readonly (Projection | Reactor)[],
  building: boolean,
): Promise<Shard[]> {
  const shards: Shard[] = [];
  for (const reactor of workers.filter((w): w is Reactor => w.kind === 'reactor'))
    shards.push(...reactorShards(reactor));
  for (const projection of workers.filter(
    (w): w is Projection => w.kind === 'projection' && w.lifecycle === 'async',
  )) {
    const entry = await readRegistry(store, projection.name);
    shards.push(...shardsOf(projection, entry?.active ?? firstGeneration(projection)));
    if (building && entry?.building) shards.push(...shardsOf(projection, entry.building, true));
  }
  return shards;
}

/**
 * The progress of every shard of the given async projections and reactors.
 * @example
 * for (const shard of await projectionProgress(store, [orderSummaries]))
 *   console.log(shard.shard, shard.owner, shard.secondsBehind);
 */
export async function projectionProgress(
  store: Store,
  projections: readonly (Projection | Reactor)[],
): Promise<ShardProgress[]> {
  const head = await store.events.readHeadPosition();
  const checkpoints = new Map((await store.checkpoints.list()).map((c) => [c.name, c]));
  const leases = new Map((await store.checkpoints.listLeases()).map((l) => [l.name, l]));
  const out: ShardProgress[] = [];
  for (const { name, source, eventTypes, partitions, partition, generation, replaying } of await asyncShards(
    store,
    projections,
    true,
  )) {
    const checkpoint = checkpoints.get(name)?.position ?? LOG_START;
    const lease = leases.get(name);
    let secondsBehind = 0;
    if (compareLogPositions(checkpoint, head) < 0) {
      const filter = {
        types: eventTypes,
        ...(partitions > 1 && { partition: { count: partitions, index: partition } }),
      };
      for await (const next of store.events.readAll({ after: checkpoint, batchSize: 1, filter })) {
        secondsBehind = Math.max(0, (Date.now() - next.createdAt.getTime()) / 1000);
        break;
      }
    }
    out.push({
      shard: name,
      projection: source,
      version: generation.version,
      generation: generation.generation,
      replaying,
      partition,
      checkpoint,
      ...(lease?.active && { owner: lease.owner, epoch: lease.epoch }),
      positionsBehind: Math.max(0, Number(head.position - checkpoint.position)),
      secondsBehind,
    });
  }
  return out;
}

/**
 * Resolves when every shard of the given async projections and reactors has caught up with the head of
 * the log as it was at the call. Some daemon must be running them.
 * @throws StateError naming the shards still behind after `timeoutMs` (default 30 s).
 * @example
 * await app.send(PlaceOrder(order));
 * await waitForProjections(store, [orderSummaries]);
 * expect(await store.documents.get(orderSummaries.collection, orderId)).toBeDefined();
 */
export async function waitForProjections(
  store: Store,
  projections: readonly (Projection | Reactor)[],
  options: { readonly timeoutMs?: number; readonly signal?: AbortSignal } = {},
): Promise<void> {
  // Everything appended before the call, even what a long transaction elsewhere still hides
  // from the daemon's gap-safe reads: the wait then lasts until that transaction ends.
  const head = await store.events.readHeadPosition({ committed: true });
  const shards = await asyncShards(store, projections, false);
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (let wait = 5; ; wait = Math.min(100, wait * 2)) {
    const stored = new Map((await store.checkpoints.list()).map((c) => [c.name, c.position]));
    const behind = shards.filter((s) => compareLogPositions(stored.get(s.name) ?? LOG_START, head) < 0);
    if (behind.length === 0) return;
    options.signal?.throwIfAborted();
    if (Date.now() >= deadline)
      throw new StateError(
        `Projections did not catch up within ${options.timeoutMs ?? 30_000} ms: ${behind.map((s) => s.name).join(', ')} still behind`,
      );
    await pause(wait, options.signal);
  }
}
