/**
 * Rebuilding one tenant's read model of an async projection in place: its documents (or rows)
 * in the generation serving reads are replaced by a fresh fold of the tenant's events, while
 * the daemon keeps running and appends go on. Other tenants are not touched.
 *
 * Why no event is lost or applied twice. A shard's documents are written by two kinds of
 * transaction, the daemon's batches and this rebuild, and both take the shard's checkpoint
 * row before they write a document: the daemon by moving it (`projectionWork` moves it before
 * writing, and for tables before even reading), the rebuild by a compare-and-set that leaves
 * it where it is (on PostgreSQL an update, so the row stays locked until the rebuild
 * commits; SQLite and the in-memory store run one write transaction at a time anyway). So
 * the two never interleave their writes, and the rebuild folds exactly the events up to the
 * checkpoint it holds, which the daemon's next batch starts after. A batch that read or
 * cached documents before the rebuild committed waits for it at the checkpoint, then finds
 * each document it would overwrite at another version (the rebuild writes over a document
 * at its stored version + 1, never deletes and recreates it, so a version is never reused)
 * and rolls back: the shard forgets its cache and runs the batch again on what is stored.
 * Documents the rebuild leaves as they were need no such check: what the batch computed
 * from them is still right. Rows of tables have no version, which is why the daemon takes
 * the checkpoint before reading them.
 */
import { isCheckpointConflictError, TenantRebuildRefusedError } from '../errors/catalog.js';
import { compareLogPositions } from '../event-store/log-position.js';
import { tenantOf } from '../event-store/read-input.js';
import { streamPartition } from '../event-store/partition.js';
import { LOG_START, type LogPosition } from '../event-store/types.js';
import { MAX_BULK } from '../store/port-input.js';
import type { Store, StoreSession } from '../store/ports.js';
import type { Projection } from './define-projection.js';
import { eventFromJson, type RecordedEventJson } from './event-payload.js';
import { generationPrefix, generationTarget, shardsOf, type Generation, type Shard } from './generations.js';
import { readRegistry } from './projection-registry.js';
import { sameJson } from './projection-rebuild.js';
import {
  prepareTarget,
  removeStates,
  saveStates,
  type ReadModelTarget,
  type StoredState,
} from './read-model-target.js';
import { TenantFold } from './tenant-fold.js';

export interface RebuildTenantOptions {
  /** Aborts the rebuild (before it commits; nothing is changed then). */
  readonly signal?: AbortSignal;
}

/** What `rebuildTenant` did. */
export interface TenantRebuildReport {
  readonly projection: string;
  readonly tenantId: string;
  /** The generation whose documents were rebuilt: the one serving reads. */
  readonly generation: Generation;
  /** The tenant's events folded. */
  readonly events: number;
  /** Documents (or rows) written: new, or different from the fresh fold. */
  readonly written: number;
  /** Documents (or rows) deleted: stored, but not made by any of the tenant's events. */
  readonly deleted: number;
  /** Documents already equal to the fresh fold, left as they were (tables: always 0). */
  readonly unchanged: number;
  /**
   * The tenant's dead letters of this projection that were discarded: their events are in
   * the fresh fold now (the handler no longer fails on them), so replaying one would apply it
   * a second time.
   */
  readonly deadLettersDiscarded: number;
}

/** How often taking a checkpoint may lose to a daemon batch moving it before giving up. */
const MAX_CHECKPOINT_RACES = 50;

/**
 * Rebuilds one tenant's documents (or rows) of an async projection: they are replaced by a
 * fresh fold of the tenant's events up to each shard's checkpoint, in one transaction, while
 * the daemon keeps running. Use it after fixing a handler bug that hurt one customer, or after
 * restoring one tenant's events. Handlers see `context.replaying`; reactors are not run.
 * @throws ValidationError when the tenant id is not a valid one.
 * @throws TenantRebuildRefusedError when the projection is not async, is being rebuilt as a
 *   whole, or serves a generation of other code (version, partitions).
 * @throws ProjectionFailedError when a handler still fails after the projection's retries;
 *   nothing is changed.
 * @example
 * const report = await rebuildTenant(store, orderSummaries, 'acme');
 * console.log(`${report.written} written, ${report.deleted} deleted, ${report.unchanged} already right`);
 */
export async function rebuildTenant(
  store: Store,
  projection: Projection,
  tenantId: string,
  options: RebuildTenantOptions = {},
): Promise<TenantRebuildReport> {
  // An omitted tenant is not the default one here: name it, since every document of it goes.
  tenantOf(typeof tenantId === 'string' ? tenantId : null, 'rebuildTenant');
  const generation = await servingGeneration(store, projection, tenantId);
  const target = generationTarget(projection, generation);
  const shards = shardsOf(projection, generation, true);
  // Indexes or the table, in case the daemon never ran this generation on this store.
  await prepareTarget(store, target);
  // Most of the folding happens here, before the transaction, so the checkpoints are held
  // only while the few events appended since are folded and the documents are written.
  const folds = shards.map((shard) => new TenantFold(projection, tenantId, shard, options.signal));
  for (const [i, shard] of shards.entries()) {
    await folds[i]!.advance(store, (await store.checkpoints.get(shard.name))?.position ?? LOG_START);
  }
  return store.transaction(async (tx) => {
    // In name order, so two rebuilds of one projection never wait on each other in a cycle.
    for (const [i, shard] of shards.entries()) {
      const held = await holdCheckpoint(tx, shard);
      const fold = folds[i]!;
      // A checkpoint moved back (deleted by an operator): fold that shard again from the start.
      if (compareLogPositions(held, fold.at) < 0)
        folds[i] = new TenantFold(projection, tenantId, shard, options.signal);
      await folds[i]!.advance(tx, held);
    }
    const fresh = new Map<string, unknown>();
    for (const fold of folds) for (const [id, state] of fold.states) fresh.set(id, state);
    const counts = await replaceStates(tx, target, tenantId, fresh);
    const deadLettersDiscarded = await discardFolded(tx, projection, tenantId, folds);
    return {
      projection: projection.name,
      tenantId,
      generation: { version: generation.version, generation: generation.generation },
      events: folds.reduce((n, fold) => n + fold.events, 0),
      ...counts,
      deadLettersDiscarded,
    };
  });
}

/** The generation to rebuild: the one serving reads, if this code built it and no rebuild runs. */
async function servingGeneration(
  store: Store,
  projection: Projection,
  tenantId: string,
): Promise<Generation> {
  const refuse = (reason: 'not-async' | 'rebuilding' | 'not-serving', detail: string) =>
    new TenantRebuildRefusedError(projection.name, tenantId, reason, detail);
  if (projection.lifecycle !== 'async')
    throw refuse(
      'not-async',
      `it is ${projection.lifecycle}; only async projections keep documents the daemon rebuilds`,
    );
  const entry = await readRegistry(store, projection.name);
  if (entry?.building)
    throw refuse(
      'rebuilding',
      `generation ${entry.building.version}.${entry.building.generation} is being built from the log for every tenant; wait for the switch`,
    );
  const active = entry?.active ?? { version: projection.version, generation: 1 };
  if (active.version !== projection.version)
    throw refuse(
      'not-serving',
      `version ${active.version} serves reads, and this code is version ${projection.version}`,
    );
  const names = new Set(shardsOf(projection, active).map((s) => s.name));
  const stray = (await store.checkpoints.list({ prefix: generationPrefix(projection, active) })).find(
    (c) => !names.has(c.name),
  );
  if (stray)
    throw refuse(
      'not-serving',
      `the serving generation runs with another number of partitions (checkpoint '${stray.name}')`,
    );
  return active;
}

/**
 * Takes the shard's checkpoint row for the rest of the transaction by setting it to where it
 * is (or creating it at the start of the log, so a daemon's first batch cannot slip past);
 * returns that position. A daemon batch moving it meanwhile makes the set fail: read again.
 */
async function holdCheckpoint(tx: StoreSession, shard: Shard): Promise<LogPosition> {
  for (let attempt = 1; ; attempt++) {
    const current = (await tx.checkpoints.get(shard.name))?.position;
    try {
      await tx.checkpoints.compareAndSet(shard.name, current, current ?? LOG_START);
      return current ?? LOG_START;
    } catch (error) {
      if (!isCheckpointConflictError(error) || attempt >= MAX_CHECKPOINT_RACES) throw error;
    }
  }
}

/**
 * Makes the tenant's stored states those of `fresh` (undefined: none). Documents are written
 * over at their stored versions, so each changed one gets a version it never had; rows have no
 * version and are deleted and written anew.
 */
async function replaceStates(
  tx: StoreSession,
  target: ReadModelTarget,
  tenantId: string,
  fresh: ReadonlyMap<string, unknown>,
): Promise<{ written: number; deleted: number; unchanged: number }> {
  const puts: StoredState[] = [];
  const deletes: StoredState[] = [];
  let unchanged = 0;
  if (target.kind === 'documents') {
    const stored = new Set<string>();
    for (let after: string | undefined; ;) {
      const page = await tx.documents.list(target.collection, {
        tenantId,
        limit: 1_000,
        ...(after !== undefined && { after }),
      });
      for (const document of page) {
        stored.add(document.id);
        const state = fresh.get(document.id);
        if (state === undefined)
          deletes.push({ id: document.id, data: undefined, version: document.version });
        else if (sameJson(document.data, JSON.parse(JSON.stringify(state)))) unchanged++;
        else puts.push({ id: document.id, data: state, version: document.version });
      }
      if (page.length < 1_000) break;
      after = page.at(-1)!.id;
    }
    for (const [id, state] of fresh)
      if (state !== undefined && !stored.has(id)) puts.push({ id, data: state, version: 0 });
  } else {
    // Without versions or paging, rows are cleared a page at a time, then written afresh.
    for (;;) {
      const rows = await tx.tables.select(target.table, { tenantId, limit: MAX_BULK });
      if (rows.length === 0) break;
      const keys = rows.map((row) => (row as Record<string, unknown>)[target.table.key] as string);
      await tx.tables.deleteMany(target.table, keys, { tenantId });
      for (const id of keys) if (fresh.get(id) === undefined) deletes.push({ id, data: undefined });
    }
    for (const [id, state] of fresh) if (state !== undefined) puts.push({ id, data: state });
  }
  for (let i = 0; i < puts.length; i += MAX_BULK)
    await saveStates(tx, target, tenantId, puts.slice(i, i + MAX_BULK));
  if (target.kind === 'documents')
    for (let i = 0; i < deletes.length; i += MAX_BULK)
      await removeStates(tx, target, tenantId, deletes.slice(i, i + MAX_BULK));
  return { written: puts.length, deleted: deletes.length, unchanged };
}

/** Discards the tenant's dead letters of the projection whose events the folds took in. */
async function discardFolded(
  tx: StoreSession,
  projection: Projection,
  tenantId: string,
  folds: readonly TenantFold[],
): Promise<number> {
  const folded: string[] = [];
  for (let after: string | undefined; ;) {
    const page = await tx.deadLetters.list({
      source: projection.name,
      tenantId,
      limit: 1_000,
      ...(after !== undefined && { after }),
    });
    for (const letter of page) {
      const { stream, logPosition } = eventFromJson(letter.payload as RecordedEventJson);
      const fold = folds[folds.length > 1 ? streamPartition(stream, folds.length) : 0]!;
      if (compareLogPositions(logPosition, fold.at) <= 0) folded.push(letter.id);
    }
    if (page.length < 1_000) break;
    after = page.at(-1)!.id;
  }
  for (const id of folded) await tx.deadLetters.delete(id);
  return folded.length;
}
