/** Samples for docs/projections.md; projections.unit.test.ts runs them. */
import {
  defineProjection,
  defineTable,
  readTable,
  ProjectionDaemon,
  projectionProgress,
  readModel,
  readProjectionRegistry,
  rebuildProjection,
  rebuildTenant,
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

export async function repairTenant(store: Store, tenantId: string) {
  // #region tenant
  // After fixing a handler bug that hurt one customer: their documents only, daemon running.
  const report = await rebuildTenant(store, eventCounts, tenantId);
  console.log(`${report.events} events folded: ${report.written} written, ${report.deleted} deleted`);
  // #endregion
  return report;
}

export async function readAfterWrite(store: Store, orderStream: string) {
  // #region read
  await waitForProjections(store, [eventCounts]); // in tests, or to read your own writes
  const counts = readModel(store, eventCounts); // always the generation serving reads
  return (await counts.get(orderStream))?.data.count;
  // #endregion
}

// #region table
interface CustomerTotal {
  readonly customer_id: string;
  readonly orders: number | null;
  readonly total_cents: number | null;
}

/** A real table: query it with SQL, join it, hand it to a BI tool. */
export const CustomerTotals = defineTable<CustomerTotal>('customer_totals', {
  key: 'customer_id',
  columns: { orders: 'integer', total_cents: 'integer' },
  indexes: [['total_cents']],
});

export const customerTotals = defineProjection<CustomerTotal>({
  name: 'customer-totals',
  table: CustomerTotals, // rows, not documents
  identity: (e) => (e.data as { customerId?: string }).customerId,
  initialState: () => ({ customer_id: '', orders: 0, total_cents: 0 }),
  handlers: {
    OrderPlaced: (row, e) => ({
      ...row, // customer_id is filled in from the identity
      orders: (row.orders ?? 0) + 1,
      total_cents: (row.total_cents ?? 0) + (e.data as { totalCents: number }).totalCents,
    }),
  },
});
// #endregion

export async function bestCustomers(store: Store) {
  // #region table-read
  const totals = readTable(store, customerTotals);
  const best = await totals.select({ orderBy: [{ column: 'total_cents', direction: 'desc' }], limit: 10 });
  // With SQL, the serving generation's table name (it changes with a rebuild):
  const { name } = await totals.table(); // 'customer_totals', later e.g. 'customer_totals_v2'
  // #endregion
  return { best, name };
}
