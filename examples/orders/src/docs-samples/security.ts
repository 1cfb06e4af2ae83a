/** Samples for docs/security.md; security.unit.test.ts runs them. */
import {
  defineCommand,
  definePolicy,
  handle,
  isForbiddenError,
  isUnauthenticatedError,
  requireRole,
  type,
  whizbang,
  withinHours,
  type AuthorizationDenial,
  type Store,
  type WhizbangApp,
} from '@whizbang/core';

export const PlaceOrder = defineCommand('PlaceOrder', {
  data: type<{ orderId: string; total: number }>(),
});
export const CancelOrder = defineCommand('CancelOrder', { data: type<{ orderId: string }>() });
export const RefundOrder = defineCommand('RefundOrder', { data: type<{ orderId: string }>() });

// #region declare
const placeOrder = handle(
  PlaceOrder,
  async (command, ctx) => {
    await ctx.store.documents.put('orders', command.data.orderId, {
      customerId: ctx.principal!.id, // declared permissions guarantee a principal
      total: command.data.total,
    });
  },
  { permissions: ['orders:place'] },
);
// #endregion

// #region owner-policy
/** Only the customer who placed the order may cancel it: an attribute-based rule. */
const ownerOfTheOrder = definePolicy<{ orderId?: unknown }>('owner of the order', async (ctx) => {
  // The validated data, as the handler will get it (with no schema, still check its shape).
  const { orderId } = ctx.message.data;
  if (typeof orderId !== 'string') return 'no order id';
  const order = await ctx.store.documents.get<{ customerId: string }>('orders', orderId);
  if (order === undefined) return 'no such order';
  return order.data.customerId === ctx.principal.id || 'only the customer who placed the order may cancel it';
});

const cancelOrder = handle(
  CancelOrder,
  (command, ctx) => ctx.store.documents.delete('orders', command.data.orderId),
  { permissions: ['orders:cancel'], policies: [ownerOfTheOrder] },
);
// #endregion

// #region ready-made
const refundOrder = handle(RefundOrder, async () => undefined, {
  policies: [
    requireRole('manager', 'admin'),
    withinHours({ from: 9, to: 17, timeZone: 'Europe/Paris', days: ['mon', 'tue', 'wed', 'thu', 'fri'] }),
  ],
});
// #endregion

// #region app
export function shop(store: Store, audit: (denial: AuthorizationDenial) => void): WhizbangApp {
  return whizbang({
    store,
    handlers: [placeOrder, cancelOrder, refundOrder],
    authorization: {
      // What each role grants: '*' is everything, 'orders:*' everything under 'orders:'.
      roles: {
        admin: ['*'],
        clerk: ['orders:place', 'orders:read'],
        customer: ['orders:place', 'orders:cancel'],
      },
      // Runs for every command and query that carries a principal, before the handler's own.
      policies: [
        definePolicy(
          'not suspended',
          (ctx) => ctx.principal.attributes?.['suspended'] !== true || 'suspended',
        ),
      ],
      // Every denial, once (the default writes one JSON line to stderr).
      audit,
    },
  });
}
// #endregion

// #region send
/** What a caller (the HTTP edge, a script) does: send as someone, and tell refusals apart. */
export async function cancelAs(app: WhizbangApp, customerId: string, orderId: string): Promise<string> {
  try {
    await app.send(CancelOrder({ orderId }), { principal: { id: customerId, roles: ['customer'] } });
    return 'cancelled';
  } catch (error) {
    if (isUnauthenticatedError(error)) return `401: ${error.reason}`; // nobody to authorize
    if (isForbiddenError(error)) return `403: ${error.reason}`; // audited already
    throw error;
  }
}
// #endregion
