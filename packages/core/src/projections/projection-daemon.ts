/**
 * The projection daemon: runs the async projections' shards on this node. Any number of nodes
 * may run it against one store; each shard is held by one node at a time through a lease,
 * shards spread evenly over the live nodes, and a dead node's shards are taken over once its
 * leases lapse. Every batch commits only under its lease (see `ShardRunner`), so a node that
 * lost its lease without knowing can never write.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { BackgroundService } from '../app/whizbang.js';
import { StateError } from '../errors/catalog.js';
import { failureInfo } from '../store/port-input.js';
import type { LeaseInfo, Store } from '../store/ports.js';
import type { Projection } from './define-projection.js';
import { ShardRunner, type ShardState } from './shard-runner.js';
import { projectionPrefix, SHARD_PREFIX, shardsOf, type Shard } from './shards.js';

/** Prefix of the leases that say which daemon nodes are alive. */
export const NODE_PREFIX = 'daemon-node/';

export interface ProjectionDaemonOptions {
  readonly store: Store;
  /** The projections to run; only async ones are taken. */
  readonly projections: readonly Projection[];
  /** This node's name, unique among the nodes sharing the store (default: host, pid and a random tag). */
  readonly nodeId?: string;
  /** Events read and applied per transaction (default 500). */
  readonly batchSize?: number;
  /** How long an idle shard waits for an append before looking again (default 1000 ms). */
  readonly pollIntervalMs?: number;
  /** How long a lease lasts without renewal: the longest a dead node's shards wait (default 6000 ms). */
  readonly leaseTtlMs?: number;
  /** How often leases are renewed and rebalanced (default a third of the lease). */
  readonly heartbeatMs?: number;
  /** Told about errors the daemon retries (a database down, a lease renewal failing). */
  readonly onError?: (error: unknown, shard?: string) => void;
}

/** What this node knows about a shard it runs. */
export interface ShardStatus {
  readonly shard: string;
  readonly projection: string;
  readonly version: number;
  readonly partition: number;
  readonly state: ShardState;
  readonly processed: number;
  readonly deadLettered: number;
  readonly errors: number;
  readonly lastError?: string;
}

function defaultNodeId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Refuses to run a projection whose partition count changed without a new version. */
async function assertPartitionsUnchanged(store: Store, projection: Projection): Promise<void> {
  const names = new Set(shardsOf(projection).map((s) => s.name));
  const stray = (await store.checkpoints.list({ prefix: projectionPrefix(projection) })).find(
    (c) => !names.has(c.name),
  );
  if (stray)
    throw new StateError(
      `Projection '${projection.name}' version ${projection.version} was run with another number of partitions (checkpoint '${stray.name}'); changing partitions needs a new version, which is rebuilt from the log`,
    );
}

export class ProjectionDaemon implements BackgroundService {
  readonly name = 'projection-daemon';
  readonly nodeId: string;
  readonly #store: Store;
  readonly #shards: readonly Shard[];
  readonly #runners = new Map<string, ShardRunner>();
  readonly #settings;
  readonly #ttl: number;
  readonly #heartbeatMs: number;
  readonly #onError: (error: unknown, shard?: string) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #beat: Promise<void> = Promise.resolve();
  #running = false;

  constructor(options: ProjectionDaemonOptions) {
    this.#store = options.store;
    this.nodeId = options.nodeId ?? defaultNodeId();
    this.#shards = options.projections.filter((p) => p.lifecycle === 'async').flatMap(shardsOf);
    this.#ttl = options.leaseTtlMs ?? 6_000;
    this.#heartbeatMs = options.heartbeatMs ?? Math.max(50, Math.floor(this.#ttl / 3));
    this.#onError = options.onError ?? (() => undefined);
    this.#settings = {
      store: options.store,
      batchSize: options.batchSize ?? 500,
      pollIntervalMs: options.pollIntervalMs ?? 1_000,
      onError: (shard: Shard, error: unknown) => this.#onError(error, shard.name),
    };
  }

  /** The shards this node runs now. */
  status(): ShardStatus[] {
    return [...this.#runners.values()].map((runner) => ({
      shard: runner.shard.name,
      projection: runner.shard.projection.name,
      version: runner.shard.projection.version,
      partition: runner.shard.partition,
      state: runner.state,
      processed: runner.processed,
      deadLettered: runner.deadLettered,
      errors: runner.errors,
      ...(runner.lastError !== undefined && {
        lastError: failureInfo(runner.lastError).message,
      }),
    }));
  }

  async start(): Promise<void> {
    if (this.#running) throw new StateError('The projection daemon is already running');
    const projections = new Set(this.#shards.map((s) => s.projection));
    for (const projection of projections) await assertPartitionsUnchanged(this.#store, projection);
    this.#running = true;
    await this.#heartbeat();
    this.#schedule();
  }

  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    clearTimeout(this.#timer);
    await this.#beat;
    await Promise.all([...this.#runners.keys()].map((name) => this.#drop(name, true)));
    await this.#store.checkpoints
      .releaseLease({ name: NODE_PREFIX + this.nodeId, owner: this.nodeId, epoch: this.#nodeEpoch })
      .catch(() => false);
  }

  /** Restarts the shards of a projection stopped by its error policy, from their checkpoints. */
  resume(projectionName: string): void {
    for (const [name, runner] of this.#runners) {
      if (runner.shard.projection.name !== projectionName || runner.state !== 'stopped') continue;
      this.#runners.set(name, new ShardRunner(runner.shard, runner.lease, this.#settings));
    }
  }

  #nodeEpoch = 1;

  #schedule(): void {
    this.#timer = setTimeout(() => {
      this.#beat = this.#heartbeat().finally(() => {
        if (this.#running) this.#schedule();
      });
    }, this.#heartbeatMs);
    this.#timer.unref?.();
  }

  /** Renews what this node holds, gives up what is over its share, takes what is free. */
  async #heartbeat(): Promise<void> {
    const { checkpoints } = this.#store;
    const options = { ttlMs: this.#ttl };
    try {
      const me = await checkpoints.acquireLease(NODE_PREFIX + this.nodeId, this.nodeId, options);
      if (me) this.#nodeEpoch = me.epoch;
      for (const [name, runner] of this.#runners) {
        if (runner.leaseLost || !(await checkpoints.renewLease(runner.lease, options)))
          await this.#drop(name, false);
      }
      if (!this.#running || this.#shards.length === 0) return;
      const nodes = (await checkpoints.listLeases({ prefix: NODE_PREFIX })).filter((l) => l.active).length;
      const share = Math.ceil(this.#shards.length / Math.max(1, nodes));
      for (const name of [...this.#runners.keys()].slice(share)) await this.#drop(name, true);
      if (this.#runners.size >= share) return;
      const leases = new Map<string, LeaseInfo>(
        (await checkpoints.listLeases({ prefix: SHARD_PREFIX })).map((l) => [l.name, l]),
      );
      for (const shard of shuffled(this.#shards)) {
        if (this.#runners.size >= share || !this.#running) break;
        if (this.#runners.has(shard.name) || leases.get(shard.name)?.active) continue;
        const lease = await checkpoints.acquireLease(shard.name, this.nodeId, options);
        if (lease) this.#runners.set(shard.name, new ShardRunner(shard, lease, this.#settings));
      }
    } catch (error) {
      this.#onError(error);
    }
  }

  /** Stops a shard's runner; with `release`, hands its lease back so another node takes it at once. */
  async #drop(name: string, release: boolean): Promise<void> {
    const runner = this.#runners.get(name);
    if (!runner) return;
    this.#runners.delete(name);
    await runner.stop();
    if (release && !runner.leaseLost)
      await this.#store.checkpoints.releaseLease(runner.lease).catch(() => false);
  }
}
