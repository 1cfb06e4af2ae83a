// Code of docs/stores.md, compiled and run by stores.unit.test.ts.
import { memoryStore, type Store } from '@whizbang/core';
import { sqliteStore } from '@whizbang/sqlite';

// #region sqlite
export function openEmbeddedStore(path = 'data/orders.db'): Store {
  // WAL mode, one writer, synchronous=FULL: an acknowledged append survives power loss.
  return sqliteStore({ path });
}
// #endregion

// #region transaction
export async function placeAndSummarise(store: Store, orderId: string, total: number): Promise<void> {
  await store.transaction(async (tx) => {
    await tx.events.appendToStream(`order-${orderId}`, [{ type: 'OrderPlaced', data: { orderId, total } }], {
      expectedVersion: 'no_stream',
    });
    await tx.documents.put('order-summaries', orderId, { orderId, total, status: 'placed' });
  });
}
// #endregion

// #region tail
export async function tailOrders(
  store: Store,
  signal: AbortSignal,
  onEvent: (type: string) => void,
): Promise<void> {
  for await (const event of store.events.subscribe({ filter: { streamPrefix: 'order-' }, signal })) {
    onEvent(event.type);
  }
}
// #endregion

export { memoryStore };
