/**
 * Where an async projection's generations live. A generation is one build of one version of a
 * projection: its documents in their own collection, its shards (one per partition) with
 * their own checkpoints and leases. A rebuild is a new generation built beside the serving one,
 * so the old keeps serving until the new has caught up, been checked, and is switched to.
 */
import type { LogPosition, RecordedEvent } from '../event-store/types.js';
import { defineCollection, type CollectionDefinition } from '../store/document-query.js';
import { renameTable } from '../store/table-definition.js';
import type { ReadModelTarget } from './read-model-target.js';
import type { LeaseToken, Store } from '../store/ports.js';
import type { FailedEvent } from './apply-events.js';
import type { DocumentCache } from './document-cache.js';
import type { Projection } from './define-projection.js';
import { projectionWork } from './projection-work.js';

/** Prefix of every projection shard's checkpoint and lease. */
export const SHARD_PREFIX = 'projection/';

export interface Generation {
  readonly version: number;
  readonly generation: number;
}

/** What a shard runner hands its work: one batch, read after the checkpoint. */
export interface BatchContext {
  readonly store: Store;
  /** The shard's checkpoint (and lease) name. */
  readonly name: string;
  readonly batch: readonly RecordedEvent[];
  /** The stored checkpoint the batch was read after (undefined before the first commit). */
  readonly from: LogPosition | undefined;
  /** The head of the log, read before the batch. */
  readonly head: LogPosition;
  /** True when the batch holds every event of the shard up to the head. */
  readonly caughtUp: boolean;
  readonly lease: LeaseToken;
  readonly signal: AbortSignal;
  readonly replaying: boolean;
  /** Documents the shard wrote in earlier batches (projections use it; reactors need not). */
  readonly cache: DocumentCache;
}

export interface BatchOutcome {
  /** Events of the batch dealt with (applied, dead-lettered or ignored). */
  readonly consumed: number;
  readonly failed: number;
  /** The events that failed (dead-lettered, or where the shard stopped), with their errors. */
  readonly failures?: readonly FailedEvent[];
  /** Set when the error policy stopped the shard at this event. */
  readonly stoppedAt?: FailedEvent;
  /** The checkpoint committed, if it moved. */
  readonly next?: LogPosition;
}

/** How a shard's events take effect: a projection's documents, or a reactor's side effects. */
export interface ShardWork {
  /** Processes the batch and commits the checkpoint, fenced by the lease. */
  process(context: BatchContext): Promise<BatchOutcome>;
}

export interface Shard {
  readonly name: string;
  readonly kind: 'projection' | 'reactor';
  /** The projection's or reactor's name. */
  readonly source: string;
  readonly eventTypes: readonly string[];
  readonly partitions: number;
  readonly partition: number;
  readonly generation: Generation;
  /** True while the generation is being built beside the serving one. */
  readonly replaying: boolean;
  /** With no checkpoint yet, start at the head of the log rather than its beginning. */
  readonly startAtHead: boolean;
  readonly work: ShardWork;
  /** For projection shards: the projection. */
  readonly projection?: Projection;
}

/** The first generation of a projection's version, as used until a rebuild. */
export const firstGeneration = (projection: Projection): Generation => ({
  version: projection.version,
  generation: 1,
});

const suffix = ({ version, generation }: Generation) =>
  `@${version}${generation > 1 ? `.${generation}` : ''}`;

/**
 * The collection a generation's documents live in: the projection's own collection for the
 * first generation of version 1, so a projection that is never rebuilt keeps a plain name.
 */
export function generationCollection(projection: Projection, generation: Generation): CollectionDefinition {
  const { collection } = projection;
  if (generation.version === 1 && generation.generation === 1) return collection;
  return defineCollection(`${collection.name}${suffix(generation)}`, {
    fields: collection.fields,
    indexes: collection.indexes,
  });
}

/**
 * Where a generation's read model lives: `generationCollection` for documents; for a table,
 * the declared name for the first generation of version 1, else `<name>_v<version>[_<n>]`.
 */
export function generationTarget(projection: Projection, generation: Generation): ReadModelTarget {
  const { table } = projection;
  if (!table) return { kind: 'documents', collection: generationCollection(projection, generation) };
  const { version, generation: n } = generation;
  if (version === 1 && n === 1) return { kind: 'table', table };
  return { kind: 'table', table: renameTable(table, `${table.name}_v${version}${n > 1 ? `_${n}` : ''}`) };
}

/** The checkpoint (and lease) prefix of one generation. */
export function generationPrefix(projection: Pick<Projection, 'name'>, generation: Generation): string {
  return `${SHARD_PREFIX}${projection.name}${suffix(generation)}/`;
}

export function shardsOf(projection: Projection, generation: Generation, replaying = false): Shard[] {
  const prefix = generationPrefix(projection, generation);
  const work = projectionWork(projection, generationTarget(projection, generation), generation);
  return Array.from({ length: projection.partitions }, (_, partition) => ({
    name: `${prefix}${partition}-of-${projection.partitions}`,
    kind: 'projection' as const,
    source: projection.name,
    eventTypes: projection.eventTypes,
    partitions: projection.partitions,
    partition,
    generation,
    replaying,
    startAtHead: false,
    work,
    projection,
  }));
}
