/**
 * The load's mix: what a shop's traffic looks like, mostly reads, with orders placed and moved
 * along by the back office. Each simulated shopper draws its next operation from these weights.
 */

export type Operation = 'browse' | 'place' | 'confirm' | 'ship' | 'cancel' | 'get-order' | 'list-my-orders';

/** Relative weights: out of 100 requests, about this many of each. */
export const LOAD_MIX: Readonly<Record<Operation, number>> = {
  browse: 35, // GET /products/:productId
  'get-order': 15, // GET /orders/:orderId, one of the shopper's orders
  'list-my-orders': 10, // GET /customers/:customerId/orders
  place: 20, // POST /orders
  confirm: 10, // POST /orders/:orderId/confirm, as the tenant's admin, with If-Match
  ship: 6, // POST /orders/:orderId/ship, as the admin, for a confirmed order
  cancel: 4, // POST /orders/:orderId/cancel, as the admin, for an order not shipped yet
};

/**
 * The operation `roll` (0 ≤ roll < 1) lands on in `mix`. One that cannot run yet (`possible`
 * says no: confirm with no pending order, say) becomes `place`, which always can, so a run that
 * starts with no orders still sends its share of requests.
 * @example
 * chooseOperation(LOAD_MIX, Math.random(), (op) => op !== 'ship');
 */
export function chooseOperation(
  mix: Readonly<Record<Operation, number>>,
  roll: number,
  possible: (operation: Operation) => boolean = () => true,
): Operation {
  const entries = Object.entries(mix) as [Operation, number][];
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  let point = roll * total;
  let chosen: Operation = 'place';
  for (const [operation, weight] of entries) {
    if (point < weight) {
      chosen = operation;
      break;
    }
    point -= weight;
  }
  return possible(chosen) ? chosen : 'place';
}
