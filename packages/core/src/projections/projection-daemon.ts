/**
 * The projection daemon: runs the async projections' shards on this node. Any number of nodes
 * may run it against one store; each shard is held by one node at a time through a lease,
 * shards spread evenly over the live nodes, and a dead node's shards are taken over once its
 * leases lapse. Every batch commits only under its lease (see `ShardRunner`), so a node that
 * lost its lease without knowing can never write.
 */
import { noTelemetry, type Telemetry } from '../observability/telemetry.js';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { BackgroundService } from '../app/whizbang.js';
import { StateError, ValidationError } from '../errors/catalog.js';
import { failureInfo } from '../store/port-input.js';
import type { LeaseInfo, Store } from '../store/ports.js';
import type { Projection } from './define-projection.js';
import type { Reactor } from './define-reactor.js';
import { generationTarget, generationPrefix, shardsOf, type Generation, type Shard } from './generations.js';
import { reactorShards } from './reactor-work.js';
import { prepareTarget, targetName } from './read-model-target.js';
import { sameGeneration } from './projection-registry.js';
import { planGenerations, purgeRetired, trySwitch, type Plan } from './projection-rebuild.js';
import { ShardRunner, type ShardState } from './shard-runner.js';

/** Prefix of the leases that say which daemon nodes are alive. */
export const NODE_PREFIX = 'daemon-node/';

export interface ProjectionDaemonOptions {
  readonly store: Store;
  /** The projections to run; only async ones are taken. */
  readonly projections: readonly Projection[];
  /** Reactors to run, on the same shards and leases. */
  readonly reactors?: readonly Reactor[];
  /** This node's name, unique among the nodes sharing the store (default: host, pid and a random tag). */
  readonly nodeId?: string;
  /** Events read and applied per transaction (default 500). */
  readonly batchSize?: number;
  /** How long an idle shard waits for an append before looking again (default 1000 ms). */
  readonly pollIntervalMs?: number;
  /**
   * The most documents each projection shard keeps between batches, so that the next batch
   * need not read back what the last one wrote (default 10,000; 0 reads every batch's
   * documents). Writes are checked against the cached versions, so a document changed from
   * outside the daemon is read again, never overwritten.
   */
  readonly cacheDocuments?: number;
  /** How long a lease lasts without renewal: the longest a dead node's shards wait (default 6000 ms). */
  readonly leaseTtlMs?: number;
  /** How often leases are renewed and rebalanced (default a third of the lease). */
  readonly heartbeatMs?: number;
  /**
   * Told about errors the daemon retries (a database down, a lease renewal failing); default:
   * a warning through the telemetry's logger.
   */
  readonly onError?: (error: unknown, shard?: string) => void;
  /** Spans for every batch, the projection metrics, and the logger (the app passes its own). */
  readonly telemetry?: Telemetry;
}

/** What this node knows about a shard it runs. */
export interface ShardStatus {
  readonly shard: string;
  readonly kind: 'projection' | 'reactor';
  /** The projection's or reactor's name. */
  readonly projection: string;
  readonly version: number;
  readonly generation: number;
  readonly partition: number;
  /** True while the shard builds a generation beside the serving one. */
  readonly replaying: boolean;
  readonly state: ShardState;
  /** Events consumed since this node took the shard. */
  readonly processed: number;
  /** Events consumed per second, over the last ten seconds. */
  readonly eventsPerSecond: number;
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
async function assertPartitionsUnchanged(store: Store, projection: Projection, plan: Plan): Promise<void> {
  for (const { generation } of plan.run) {
    const names = new Set(shardsOf(projection, generation).map((s) => s.name));
    const stray = (await store.checkpoints.list({ prefix: generationPrefix(projection, generation) })).find(
      (c) => !names.has(c.name),
    );
    if (stray) failPartitions(projection, stray.name);
  }
}

function failPartitions(projection: Projection, stray: string): never {
  throw new StateError(
    `Projection '${projection.name}' version ${projection.version} was run with another number of partitions (checkpoint '${stray}'); changing partitions needs a new version, which is rebuilt from the log`,
  );
}

export class ProjectionDaemon implements BackgroundService {
  readonly name = 'projection-daemon';
  readonly nodeId: string;
  readonly #store: Store;
  readonly #projections: readonly Projection[];
  readonly #reactorShards: readonly Shard[];
  /** The shards to run, as of the last heartbeat's plan. */
  #shards: readonly Shard[] = [];
  readonly #runners = new Map<string, ShardRunner>();
  readonly #settings;
  readonly #ttl: number;
  readonly #heartbeatMs: number;
  readonly #onError: (error: unknown, shard?: string) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #beat: Promise<void> = Promise.resolve();
  #running = false;
  #nodeEpoch = 1;
  #rebuilding: Promise<void> | undefined;
  readonly #prepared = new Set<string>();

  constructor(options: ProjectionDaemonOptions) {
    this.#store = options.store;
    this.nodeId = options.nodeId ?? defaultNodeId();
    this.#projections = options.projections.filter((p) => p.lifecycle === 'async');
    this.#reactorShards = (options.reactors ?? []).flatMap(reactorShards);
    this.#ttl = options.leaseTtlMs ?? 6_000;
    this.#heartbeatMs = options.heartbeatMs ?? Math.max(50, Math.floor(this.#ttl / 3));
    const telemetry = options.telemetry ?? noTelemetry();
    this.#onError =
      options.onError ??
      ((error, shard) =>
        telemetry.logger.warn(
          { event: 'whizbang.projection.retrying', shard, err: error },
          `projection daemon: ${shard ?? 'heartbeat'} failed, retrying`,
        ));
    this.#settings = {
      telemetry,
      store: options.store,
      batchSize: options.batchSize ?? 500,
      pollIntervalMs: options.pollIntervalMs ?? 1_000,
      cacheDocuments: cacheSize(options.cacheDocuments),
      onError: (shard: Shard, error: unknown) => this.#onError(error, shard.name),
    };
  }

  /** The shards (of projections and reactors) this node runs now. */
  status(): ShardStatus[] {
    return [...this.#runners.values()].map((runner) => ({
      shard: runner.shard.name,
      kind: runner.shard.kind,
      projection: runner.shard.source,
      version: runner.shard.generation.version,
      generation: runner.shard.generation.generation,
      partition: runner.shard.partition,
      replaying: runner.replaying,
      state: runner.state,
      processed: runner.processed,
      eventsPerSecond: runner.eventsPerSecond,
      deadLettered: runner.deadLettered,
      errors: runner.errors,
      ...(runner.lastError !== undefined && { lastError: failureInfo(runner.lastError).message }),
    }));
  }

  async start(): Promise<void> {
    if (this.#running) throw new StateError('The projection daemon is already running');
    for (const projection of this.#projections) {
      await assertPartitionsUnchanged(
        this.#store,
        projection,
        await planGenerations(this.#store, projection),
      );
    }
    this.#running = true;
    await this.#heartbeat();
    // Started means running: every shard taken knows its checkpoint (a new reactor's is the
    // head now), so what is appended after start() resolves is never mistaken for history.
    await Promise.all([...this.#runners.values()].map((runner) => runner.ready));
    this.#schedule();
  }

  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    clearTimeout(this.#timer);
    await this.#beat;
    await this.#rebuilding;
    await Promise.all([...this.#runners.keys()].map((name) => this.#drop(name, true)));
    await this.#store.checkpoints
      .releaseLease({ name: NODE_PREFIX + this.nodeId, owner: this.nodeId, epoch: this.#nodeEpoch })
      .catch(() => false);
  }

  /** Restarts the shards of a projection or reactor stopped by its error policy, from their checkpoints. */
  resume(source: string): void {
    for (const [name, runner] of this.#runners) {
      if (runner.shard.source !== source || runner.state !== 'stopped') continue;
      this.#runners.set(name, new ShardRunner(runner.shard, runner.lease, this.#settings));
    }
  }

  #schedule(): void {
    this.#timer = setTimeout(() => {
      this.#beat = this.#heartbeat().finally(() => {
        if (this.#running) this.#schedule();
      });
    }, this.#heartbeatMs);
    this.#timer.unref?.();
  }

  /**
   * Plans the generations to run, renews what this node holds, gives up what is over its
   * share or no longer planned, takes what is free, and moves rebuilds along.
   */
  async #heartbeat(): Promise<void> {
    const { checkpoints } = this.#store;
    const options = { ttlMs: this.#ttl };
    try {
      const me = await checkpoints.acquireLease(NODE_PREFIX + this.nodeId, this.nodeId, options);
      if (me) this.#nodeEpoch = me.epoch;
      // Renewals first: nothing slower in this beat may let a held lease lapse.
      for (const [name, runner] of this.#runners) {
        if (runner.leaseLost || !(await checkpoints.renewLease(runner.lease, options)))
          await this.#drop(name, false);
      }
      const plans = new Map<Projection, Plan>();
      for (const projection of this.#projections)
        plans.set(projection, await planGenerations(this.#store, projection));
      this.#shards = [
        ...[...plans].flatMap(([projection, plan]) =>
          plan.run.flatMap(({ generation, replaying }) => shardsOf(projection, generation, replaying)),
        ),
        ...this.#reactorShards,
      ];
      for (const [projection, plan] of plans) await this.#prepare(projection, plan);
      const planned = new Set(this.#shards.map((s) => s.name));
      for (const name of this.#runners.keys()) if (!planned.has(name)) await this.#drop(name, true);
      if (!this.#running) return;
      await this.#balance(options);
      // A switch validates a sample against the log, which can take a while: off the beat.
      this.#rebuilding ??= (async () => {
        for (const [projection, plan] of plans) await this.#advanceRebuild(projection, plan);
      })()
        .catch((error: unknown) => this.#onError(error))
        .finally(() => (this.#rebuilding = undefined));
    } catch (error) {
      this.#onError(error);
    }
  }

  /** Creates each generation's table or declared indexes before its first batch, once per daemon. */
  async #prepare(projection: Projection, plan: Plan): Promise<void> {
    for (const { generation } of plan.run) {
      const target = generationTarget(projection, generation);
      const key = `${target.kind}:${targetName(target)}`;
      if (this.#prepared.has(key)) continue;
      await prepareTarget(this.#store, target);
      this.#prepared.add(key);
    }
  }

  /** Takes free shards up to this node's share of the live nodes, or gives up the excess. */
  async #balance(options: { ttlMs: number }): Promise<void> {
    const { checkpoints } = this.#store;
    if (this.#shards.length === 0) return;
    const nodes = (await checkpoints.listLeases({ prefix: NODE_PREFIX })).filter((l) => l.active).length;
    const share = Math.ceil(this.#shards.length / Math.max(1, nodes));
    for (const name of [...this.#runners.keys()].slice(share)) await this.#drop(name, true);
    if (this.#runners.size >= share) return;
    const leases = new Map<string, LeaseInfo>((await checkpoints.listLeases()).map((l) => [l.name, l]));
    for (const shard of shuffled(this.#shards)) {
      if (this.#runners.size >= share || !this.#running) break;
      if (this.#runners.has(shard.name) || leases.get(shard.name)?.active) continue;
      const lease = await checkpoints.acquireLease(shard.name, this.nodeId, options);
      if (lease) this.#runners.set(shard.name, new ShardRunner(shard, lease, this.#settings));
    }
  }

  /**
   * The holder of a generation's first shard speaks for it: it switches a caught-up building
   * generation in, and deletes retired ones whose time is up.
   */
  async #advanceRebuild(projection: Projection, plan: Plan): Promise<void> {
    const holds = (generation: Generation | undefined) =>
      generation !== undefined && this.#runners.has(shardsOf(projection, generation)[0]!.name);
    if (plan.entry.building?.version === projection.version && holds(plan.entry.building)) {
      const switched = await trySwitch(this.#store, projection, plan.entry);
      // Reads move to the new generation now; the former one's shards stop at the next heartbeat.
      if (switched) this.#onSwitch(projection, switched.active);
    }
    if (holds(plan.entry.active)) await purgeRetired(this.#store, projection, plan.entry);
  }

  #onSwitch(projection: Projection, generation: Generation): void {
    for (const runner of this.#runners.values()) {
      if (runner.shard.projection === projection && sameGeneration(runner.shard.generation, generation))
        runner.servesReads();
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

function cacheSize(value: number | undefined): number {
  if (value === undefined) return 10_000;
  if (!Number.isSafeInteger(value) || value < 0)
    throw new ValidationError(
      [{ message: 'must be a whole number of documents, 0 or more', path: ['cacheDocuments'] }],
      'ProjectionDaemon',
    );
  return value;
}
