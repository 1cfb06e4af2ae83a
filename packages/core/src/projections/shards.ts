/**
 * How an async projection's work is named in the store: one shard per (projection, version,
 * partition), whose checkpoint and lease share the shard's name.
 */
import type { Projection } from './define-projection.js';

/** Prefix of every projection shard's checkpoint and lease. */
export const SHARD_PREFIX = 'projection/';

export interface Shard {
  readonly name: string;
  readonly projection: Projection;
  readonly partition: number;
}

/** The checkpoint (and lease) prefix of one projection version. */
export function projectionPrefix(projection: Pick<Projection, 'name' | 'version'>): string {
  return `${SHARD_PREFIX}${projection.name}@${projection.version}/`;
}

export function shardsOf(projection: Projection): Shard[] {
  const prefix = projectionPrefix(projection);
  return Array.from({ length: projection.partitions }, (_, partition) => ({
    name: `${prefix}${partition}-of-${projection.partitions}`,
    projection,
    partition,
  }));
}
