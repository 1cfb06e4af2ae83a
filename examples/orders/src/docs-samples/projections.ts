/** Samples for docs/projections.md; projections.unit.test.ts runs them. */
import {
  defineProjection,
  ProjectionDaemon,
  projectionProgress,
  readModel,
  readProjectionRegistry,
  rebuildProjection,
  replayDeadLetter,
  waitForProjections,
  type Store,
} from '@whizbang/core';

// #region counter
/** Events per stream, as a tiny async read model. */
export const eventCounts = defineProjection<{ count: number }>({
  name: 'event-counts',
  partitions: 4, // four shards, spread over the daemon nodes
  errors: { maxAttempts: 3, backoffMs: 50, onFailure: 'dead-letter' },
  initialState: () => ({ count: 0 }),
  handlers: {
    OrderPlaced: (doc) => ({ count: doc.count + 1 }),
    OrderShipped: (doc) => ({ count: doc.count + 1 }),
  },
});
// #endregion

export async function runNode(store: Store, nodeId: string) {
  // #region daemon
  // One per process; any number of processes may share the store.
  const daemon = new ProjectionDaemon({ store, projections: [eventCounts], nodeId });
  await daemon.start(); // takes its share of the four shards' leases
  // … serve requests …
  await daemon.stop(); // finishes the batch in flight, hands its leases back
  // #endregion
}

export async function operate(store: Store) {
  // #region operate
  // Where each shard stands, on every node: checkpoint, holder, lag.
  for (const shard of await projectionProgress(store, [eventCounts]))
    console.log(shard.shard, shard.owner ?? '(free)', `${shard.secondsBehind}s behind`);

  // Events that failed every attempt wait in dead letters with their error.
  for (const letter of await store.deadLetters.list({ source: eventCounts.name })) {
    console.log(letter.messageType, letter.error.message);
    await replayDeadLetter(store, eventCounts, letter.id); // after the fix: applied once, then discarded
  }

  // Build a fresh generation beside the serving one; the daemon switches when it is ready.
  await rebuildProjection(store, eventCounts);
  const registry = await readProjectionRegistry(store, eventCounts.name);
  console.log(registry?.active, registry?.building, registry?.lastValidation);
  // #endregion
}

export async function readAfterWrite(store: Store, orderStream: string) {
  // #region read
  await waitForProjections(store, [eventCounts]); // in tests, or to read your own writes
  const counts = readModel(store, eventCounts); // always the generation serving reads
  return (await counts.get(orderStream))?.data.count;
  // #endregion
}
