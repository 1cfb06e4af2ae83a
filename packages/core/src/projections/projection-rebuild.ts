/**
 * Rebuilds, blue/green. A new generation (a new version of the code, or `rebuildProjection`)
 * is built from the start of the log beside the serving one, with `replaying` set for its
 * handlers. Once every shard of it has caught up, a sample of its documents is compared with a
 * fresh fold of the log at the same checkpoint; if enough match, one registry write makes it
 * the serving generation, and the former one is kept for a while, then deleted.
 */
import { StateError } from '../errors/catalog.js';
import { compareLogPositions } from '../event-store/log-position.js';
import { streamPartition } from '../event-store/partition.js';
import { LOG_START } from '../event-store/types.js';
import type { Store } from '../store/ports.js';
import type { Projection } from './define-projection.js';
import {
  firstGeneration,
  generationTarget,
  generationPrefix,
  shardsOf,
  type Generation,
} from './generations.js';
import { project } from './live-projection.js';
import { dropTarget, loadStates } from './read-model-target.js';
import {
  sameGeneration,
  updateRegistry,
  type RegistryEntry,
  type ValidationReport,
} from './projection-registry.js';

/** How long a generation that failed its check waits before it is checked again. */
const RECHECK_AFTER_MS = 60_000;

/** The generations of a projection a node with this code should run now. */
export interface Plan {
  readonly entry: RegistryEntry;
  readonly run: readonly { readonly generation: Generation; readonly replaying: boolean }[];
}

/**
 * Reads (and where needed starts) the projection's registry entry: registers a first
 * generation, or starts building this code's version when an older one serves.
 */
export async function planGenerations(store: Store, projection: Projection): Promise<Plan> {
  const version = projection.version;
  const entry = (await updateRegistry(store, projection.name, (current) => {
    if (!current) return { active: firstGeneration(projection), retired: [] };
    const newest = current.building ?? current.active;
    if (newest.version >= version) return undefined;
    return { ...current, building: { version, generation: 1, startedAt: new Date().toISOString() } };
  }))!;
  const run: { generation: Generation; replaying: boolean }[] = [];
  if (entry.active.version === version) run.push({ generation: entry.active, replaying: false });
  if (entry.building?.version === version) run.push({ generation: entry.building, replaying: true });
  return { entry, run };
}

/**
 * Starts building a new generation of a projection from the start of the log, beside the one
 * serving reads; the daemon switches to it once it has caught up and passed its check.
 * @returns the generation being built.
 * @example
 * await rebuildProjection(store, orderSummaries); // then watch projectionProgress / rebuildStatus
 */
export async function rebuildProjection(store: Store, projection: Projection): Promise<Generation> {
  if (projection.lifecycle !== 'async')
    throw new StateError(
      `Only async projections are rebuilt by the daemon; '${projection.name}' is ${projection.lifecycle}`,
    );
  const entry = await updateRegistry(store, projection.name, (current) => {
    const active = current?.active ?? firstGeneration(projection);
    if (active.version > projection.version)
      throw new StateError(
        `Projection '${projection.name}' is served at version ${active.version}, newer than this code's ${projection.version}`,
      );
    // Generation numbers are never reused while a former one may still have documents.
    const used = [active, ...(current?.building ? [current.building] : []), ...(current?.retired ?? [])]
      .filter((g) => g.version === projection.version)
      .map((g) => g.generation);
    const generation = Math.max(0, ...used) + 1;
    return {
      active,
      retired: current?.retired ?? [],
      building: { version: projection.version, generation, startedAt: new Date().toISOString() },
    };
  });
  return entry!.building!;
}

/** Reservoir-samples up to `size` documents (tenant and id) the projection has made from the log. */
async function sampleDocuments(
  store: Store,
  projection: Projection,
  size: number,
): Promise<{ tenantId: string; id: string }[]> {
  const sample: { tenantId: string; id: string }[] = [];
  const seen = new Set<string>();
  let n = 0;
  for await (const event of store.events.readAll({
    after: LOG_START,
    filter: { types: projection.eventTypes },
  })) {
    for (const id of projection.identify(event)) {
      const key = `${event.tenantId}\u0000${id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      n++;
      if (sample.length < size) sample.push({ tenantId: event.tenantId, id });
      else {
        const j = Math.floor(Math.random() * n);
        if (j < size) sample[j] = { tenantId: event.tenantId, id };
      }
    }
  }
  return sample;
}

/** JSON equality that ignores key order (PostgreSQL's jsonb does not keep it). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) =>
      Object.hasOwn(b, k) && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

/**
 * Compares a sample of a generation's documents with a fresh fold of the log at the
 * document's shard checkpoint, read so that document and checkpoint belong together.
 */
export async function validateGeneration(
  store: Store,
  projection: Projection,
  generation: Generation,
): Promise<ValidationReport> {
  const shards = shardsOf(projection, generation);
  const target = generationTarget(projection, generation);
  const sample = await sampleDocuments(store, projection, projection.rebuild.sampleSize);
  const mismatches: string[] = [];
  let matched = 0;
  for (const { tenantId, id } of sample) {
    const shard = shards[projection.keyedByStream ? streamPartition(id, shards.length) : 0]!;
    let checkpoint;
    let document;
    // A batch may commit between reading the document and its checkpoint: read until stable.
    for (let attempt = 0; attempt < 20; attempt++) {
      checkpoint = (await store.checkpoints.get(shard.name))?.position ?? LOG_START;
      [document] = await loadStates(store, target, tenantId, [id]);
      const after = (await store.checkpoints.get(shard.name))?.position ?? LOG_START;
      if (compareLogPositions(checkpoint, after) === 0) break;
    }
    const fresh = await project(store, projection, id, { tenantId, upTo: checkpoint ?? LOG_START });
    if (sameJson(document?.data, fresh)) matched++;
    else if (mismatches.length < 10) mismatches.push(`${tenantId}/${id}`);
  }
  return {
    generation: { version: generation.version, generation: generation.generation },
    at: new Date().toISOString(),
    sampled: sample.length,
    matched,
    accuracy: sample.length === 0 ? 1 : matched / sample.length,
    mismatches,
  };
}

/**
 * Switches to the building generation if every shard of it has caught up with the head and
 * its sample matches well enough. Returns the new entry, or undefined when not switching yet.
 */
export async function trySwitch(
  store: Store,
  projection: Projection,
  entry: RegistryEntry,
): Promise<RegistryEntry | undefined> {
  const building = entry.building;
  if (!building) return undefined;
  // A failed check reads the whole log; try again only after a while, not every heartbeat.
  const last = entry.lastValidation;
  if (
    last &&
    sameGeneration(last.generation, building) &&
    last.accuracy < projection.rebuild.minAccuracy &&
    Date.now() - Date.parse(last.at) < RECHECK_AFTER_MS
  )
    return undefined;
  const head = await store.events.readHeadPosition();
  const checkpoints = new Map(
    (await store.checkpoints.list({ prefix: generationPrefix(projection, building) })).map((c) => [
      c.name,
      c.position,
    ]),
  );
  const caughtUp = shardsOf(projection, building).every(
    (s) => compareLogPositions(checkpoints.get(s.name) ?? LOG_START, head) >= 0,
  );
  if (!caughtUp) return undefined;
  const report = await validateGeneration(store, projection, building);
  const passed = report.accuracy >= projection.rebuild.minAccuracy;
  const until = new Date(Date.now() + projection.rebuild.keepPreviousMs).toISOString();
  const next = await updateRegistry(store, projection.name, (current) => {
    if (!current || !sameGeneration(current.building, building)) return undefined;
    if (!passed) return { ...current, lastValidation: report };
    return {
      active: { version: building.version, generation: building.generation },
      retired: [...current.retired, { ...current.active, until }],
      lastValidation: report,
    };
  });
  return passed && next && sameGeneration(next.active, building) ? next : undefined;
}

/** Deletes the documents and checkpoints of retired generations whose time is up. */
export async function purgeRetired(
  store: Store,
  projection: Projection,
  entry: RegistryEntry,
): Promise<void> {
  const now = Date.now();
  const due = entry.retired.filter((r) => Date.parse(r.until) <= now);
  if (due.length === 0) return;
  for (const generation of due) {
    await dropTarget(store, generationTarget(projection, generation));
    for (const checkpoint of await store.checkpoints.list({
      prefix: generationPrefix(projection, generation),
    }))
      await store.checkpoints.delete(checkpoint.name);
  }
  await updateRegistry(
    store,
    projection.name,
    (current) =>
      current && {
        ...current,
        retired: current.retired.filter((r) => !due.some((d) => sameGeneration(d, r))),
      },
  );
}
