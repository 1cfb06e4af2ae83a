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

// #region lock-streams
/** Takes one unit of stock; concurrent callers queue on the product instead of conflicting. */
export async function reserveUnit(store: Store, productId: string, orderId: string): Promise<boolean> {
  return store.transaction(async (tx) => {
    const product = `product-${productId}`;
    await tx.events.lockStreams([product, `order-${orderId}`]); // before reading either
    const { events, version } = await tx.events.readStream(product);
    const stock = events.reduce((n, e) => n + (e.type === 'Stocked' ? 1 : e.type === 'Reserved' ? -1 : 0), 0);
    if (stock === 0) return false;
    await tx.events.appendToStreams([
      { stream: product, events: [{ type: 'Reserved', data: { orderId } }], expectedVersion: version },
      {
        stream: `order-${orderId}`,
        events: [{ type: 'Placed', data: { productId } }],
        expectedVersion: 'no_stream',
      },
    ]);
    return true;
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
