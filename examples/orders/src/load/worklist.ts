/**
 * A tenant's back-office worklist, shared by the load's connections of that tenant as a
 * warehouse's workers share one screen: the confirmed orders as last listed, each handed to one
 * worker. A list read while another worker's shipment is still on its way shows that order
 * again, and the worker who takes it second is refused (409): the lost race the report counts
 * as expected.
 */

export interface Worklist {
  /** Replaces the list with what the service just answered. */
  refresh(orderIds: readonly string[]): void;
  /** Hands one order of the list to a worker (at random among them); undefined when empty. */
  take(random: () => number): string | undefined;
  readonly size: number;
}

/**
 * @example
 * const toShip = worklist();
 * toShip.refresh(confirmed.orders.map((o) => o.orderId));
 * const orderId = toShip.take(Math.random);
 */
export function worklist(): Worklist {
  let orderIds: string[] = [];
  return {
    refresh(listed) {
      orderIds = [...listed];
    },
    take(random) {
      if (orderIds.length === 0) return undefined;
      return orderIds.splice(Math.floor(random() * orderIds.length), 1)[0];
    },
    get size() {
      return orderIds.length;
    },
  };
}
