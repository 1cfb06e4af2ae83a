/**
 * Where an async projection's generations live. A generation is one build of one version of a
 * projection: its documents in their own collection, its shards (one per partition) with
 * their own checkpoints and leases. A rebuild is a new generation built beside the serving one,
 * so the old keeps serving until the new has caught up, been checked, and is switched to.
 */
import { defineCollection, type CollectionDefinition } from '../store/document-query.js';
import type { Projection } from './define-projection.js';

/** Prefix of every projection shard's checkpoint and lease. */
export const SHARD_PREFIX = 'projection/';

export interface Generation {
  readonly version: number;
  readonly generation: number;
}

export interface Shard {
  readonly name: string;
  readonly projection: Projection;
  readonly generation: Generation;
  readonly partition: number;
  /** Where this generation's documents go. */
  readonly collection: CollectionDefinition;
  /** True while the generation is being built beside the serving one. */
  readonly replaying: boolean;
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

/** The checkpoint (and lease) prefix of one generation. */
export function generationPrefix(projection: Pick<Projection, 'name'>, generation: Generation): string {
  return `${SHARD_PREFIX}${projection.name}${suffix(generation)}/`;
}

export function shardsOf(projection: Projection, generation: Generation, replaying = false): Shard[] {
  const prefix = generationPrefix(projection, generation);
  const collection = generationCollection(projection, generation);
  return Array.from({ length: projection.partitions }, (_, partition) => ({
    name: `${prefix}${partition}-of-${projection.partitions}`,
    projection,
    generation,
    partition,
    collection,
    replaying,
  }));
}
