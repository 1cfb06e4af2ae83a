/** Samples for docs/documents.md; documents.unit.test.ts runs them. */
import { defineCollection, type Store } from '@whizbang/core';

// #region collection
interface OrderSummary {
  readonly customer: { readonly id: string; readonly name: string };
  readonly status: 'placed' | 'shipped' | 'cancelled';
  readonly total: number;
  readonly placedAt: string;
}

/** The fields queries filter and sort on, and the indexes that serve them. */
export const OrderSummaries = defineCollection<OrderSummary>('order-summaries', {
  fields: { status: 'string', total: 'number', placedAt: 'string', 'customer.id': 'string' },
  indexes: [
    ['customer.id', 'placedAt'],
    ['status', 'total'],
  ],
});
// #endregion

export async function writeAndQuery(store: Store) {
  // #region write
  await store.documents.createIndexes(OrderSummaries); // once, at start-up; idempotent
  await store.documents.put(OrderSummaries, 'o-1', {
    customer: { id: 'c-1', name: 'Ada' },
    status: 'placed',
    total: 120,
    placedAt: '2026-11-24T10:00:00Z',
  });
  // A JSON merge patch: nested objects merge, null removes a field.
  await store.documents.patch(OrderSummaries, 'o-1', { status: 'shipped' });
  // #endregion

  // #region find
  const big = await store.documents.find(OrderSummaries, {
    where: { status: { in: ['placed', 'shipped'] }, total: { gte: 100 } },
    orderBy: [{ field: 'total', direction: 'desc' }],
    limit: 20,
  });
  const shipped = await store.documents.count(OrderSummaries, { where: { status: 'shipped' } });
  // #endregion
  return { big, shipped };
}

/** Cancels the given orders as they were read, or none of them if any changed meanwhile. */
export async function cancelAll(store: Store, ids: readonly string[]): Promise<void> {
  // #region bulk
  const read = await store.documents.getMany(OrderSummaries, ids);
  await store.documents.putMany(
    OrderSummaries,
    read.map((d) => ({
      id: d.id,
      data: { ...d.data, status: 'cancelled' as const },
      expectedVersion: d.version,
    })),
  );
  // #endregion
}

export async function everyOrderOf(store: Store, customerId: string): Promise<string[]> {
  // #region keyset
  const ids: string[] = [];
  let after: string | undefined;
  do {
    const page = await store.documents.find(OrderSummaries, {
      where: { 'customer.id': customerId },
      orderBy: ['placedAt'],
      limit: 100,
      ...(after && { after }),
    });
    ids.push(...page.documents.map((d) => d.id));
    after = page.next;
  } while (after);
  // #endregion
  return ids;
}
