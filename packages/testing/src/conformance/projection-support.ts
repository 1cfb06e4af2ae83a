/** What the projection conformance files share: a counter projection, events, daemons to run them. */
import {
  defineProjection,
  ProjectionDaemon,
  readProjectionRegistry,
  type Projection,
  type Reactor,
  type Store,
} from '@whizbang/core';
import { event } from './harness.js';

export interface Counter {
  readonly count: number;
  readonly last: number;
}

export const counter = (
  options: {
    name?: string;
    partitions?: number;
    failOn?: () => boolean;
    onFailure?: 'dead-letter' | 'stop';
  } = {},
) =>
  defineProjection<Counter>({
    name: options.name ?? 'counters',
    partitions: options.partitions ?? 1,
    initialState: () => ({ count: 0, last: 0 }),
    errors: { maxAttempts: 2, backoffMs: 1, onFailure: options.onFailure ?? 'dead-letter' },
    handlers: {
      Ticked: (doc, e) => {
        if ((e.data as { bad?: boolean }).bad && options.failOn?.())
          throw new Error('cannot count a bad tick');
        return { count: doc.count + 1, last: e.streamVersion };
      },
      Reset: () => null,
    },
  });

export const ticks = (n: number, data: Record<string, unknown> = {}) =>
  Array.from({ length: n }, () => event('Ticked', data));

export async function runDaemons<T>(
  store: Store,
  projections: readonly Projection[],
  nodes: number,
  work: (daemons: ProjectionDaemon[]) => Promise<T>,
  reactors: readonly Reactor[] = [],
): Promise<T> {
  const daemons = Array.from(
    { length: nodes },
    (_, i) =>
      new ProjectionDaemon({
        reactors,
        store,
        projections,
        nodeId: `node-${i}`,
        batchSize: 7,
        pollIntervalMs: 20,
        leaseTtlMs: 2_000,
      }),
  );
  try {
    for (const daemon of daemons) await daemon.start();
    return await work(daemons);
  } finally {
    await Promise.all(daemons.map((d) => d.stop()));
  }
}

/** Whether a projection serves `version` and has no retired generation left. */
export async function switchedTo(store: Store, name: string, version: number): Promise<boolean> {
  const entry = await readProjectionRegistry(store, name);
  return entry?.active.version === version && entry.retired.length === 0;
}

export async function counts(
  store: Store,
  projection: Projection<Counter>,
  ids: readonly string[],
  tenantId?: string,
) {
  const docs = await store.documents.getMany(projection.collection, ids, tenantId ? { tenantId } : {});
  return Object.fromEntries(docs.map((d) => [d.id, d.data.count]));
}
