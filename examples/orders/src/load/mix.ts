/**
 * The load's mix: what a shop's traffic looks like with the service as it runs, the fulfillment
 * saga on. Shoppers browse, place orders and read their own; the payment confirms each order
 * (nobody confirms by hand); the back office works through the confirmed orders, shipping most
 * and cancelling some. Each simulated shopper draws its next operation from these weights.
 */

export type Operation =
  'browse' | 'place' | 'get-order' | 'list-my-orders' | 'list-to-ship' | 'ship' | 'cancel';

/** Relative weights: out of 100 requests, about this many of each. */
export const LOAD_MIX: Readonly<Record<Operation, number>> = {
  browse: 35, // GET /products/:productId, as the customer
  'get-order': 15, // GET /orders/:orderId, one of the shopper's own orders
  'list-my-orders': 10, // GET /customers/:customerId/orders, the shopper's own
  place: 20, // POST /orders, for the shopper, with their own token
  'list-to-ship': 6, // GET /orders?status=confirmed, as the tenant's admin: the orders paid for
  ship: 10, // POST /orders/:orderId/ship, as the admin, an order from that list
  cancel: 4, // POST /orders/:orderId/cancel, as the admin, an order from that list (refunded)
};

/**
 * Whether each operation only reads or changes something: the report's `reads` and `writes`
 * rows, and the benchmark's latency per class, sum up the operations of each.
 */
export const OPERATION_CLASSES: Readonly<Record<Operation, 'reads' | 'writes'>> = {
  browse: 'reads',
  'get-order': 'reads',
  'list-my-orders': 'reads',
  'list-to-ship': 'reads',
  place: 'writes',
  ship: 'writes',
  cancel: 'writes',
};

/**
 * What an operation that cannot run yet does instead: what makes it possible. A shopper with
 * no order places one; a back office with nothing on its list looks at the list again.
 */
export const STAND_INS: Readonly<Partial<Record<Operation, Operation>>> = {
  'get-order': 'place',
  ship: 'list-to-ship',
  cancel: 'list-to-ship',
};

/**
 * The operation `roll` (0 ≤ roll < 1) lands on in `mix`, or its stand-in when `possible` says
 * it cannot run yet (shipping with nothing to ship, say), so a run that starts with no orders
 * still sends its share of requests.
 * @example
 * chooseOperation(LOAD_MIX, Math.random(), (op) => op !== 'ship'); // 'list-to-ship' for a roll on ship
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
  return possible(chosen) ? chosen : (STAND_INS[chosen] ?? 'place');
}
