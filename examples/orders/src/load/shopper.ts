/**
 * One simulated shopper: a customer of a tenant who browses, places orders, reads them back and
 * lists them, with their own token (`sub` is their customer id). Between their requests, their
 * connection also does a share of the tenant's back-office work, as its admin: it lists the
 * orders paid for (confirmed by the payment, through the fulfillment saga) into the tenant's
 * worklist, and ships or cancels orders from it. One request at a time; each is timed from
 * sending to the last byte of the answer.
 */
import { randomUUID } from 'node:crypto';
import type { LatencyRecorder } from './latency.js';
import { chooseOperation, LOAD_MIX, type Operation } from './mix.js';
import { isExpectedRefusal, problemCode } from './outcomes.js';
import type { Worklist } from './worklist.js';

/** An order line as the load sends it. */
export interface OrderLine {
  readonly productId: string;
  readonly quantity: number;
}

/**
 * A write the shopper sent and what the service answered (`status` 0: no answer), warm-up
 * included: what a caller needs to hold the service to its answers afterwards (an order
 * answered 201 is in the log once; one refused wrote nothing).
 */
export type WriteAnswer =
  | {
      readonly operation: 'place';
      readonly orderId: string;
      readonly customerId: string;
      readonly items: readonly OrderLine[];
      readonly status: number;
      readonly code: string | undefined;
    }
  | {
      readonly operation: 'ship' | 'cancel';
      readonly orderId: string;
      readonly status: number;
      readonly code: string | undefined;
    };

export interface ShopperOptions {
  readonly url: string;
  readonly customerId: string;
  /** The customer's bearer token: browse, place, read, list their own. */
  readonly customerToken: string;
  /** The tenant admin's: the list of confirmed orders, ship, cancel. */
  readonly adminToken: string;
  /** The tenant's products, with enough stock for the run. */
  readonly productIds: readonly string[];
  /** The tenant's confirmed orders to ship, shared by its connections. */
  readonly toShip: Worklist;
  readonly recorder: LatencyRecorder;
  /** Whether to record the request starting now (false during warm-up). */
  readonly recording: () => boolean;
  /** Hears the answer to every write (place, ship, cancel), recorded or not. */
  readonly onWrite?: (answer: WriteAnswer) => void;
  readonly random?: () => number;
}

export interface Shopper {
  /** Sends one request of the mix and records it. */
  step(): Promise<void>;
}

/** Orders a shopper remembers for reading back; older ones are forgotten. */
const REMEMBERED = 100;

/** Why the back office cancels the orders it cancels. */
export const CANCEL_REASON = 'out of stock at the warehouse';

/** The newest confirmed orders the back office looks at, at most. */
export const SHIPPING_LIST_SIZE = 50;

/** @example const shopper = createShopper({ url, customerId, customerToken, adminToken, productIds, toShip: worklist(), recorder, recording: () => true }); */
export function createShopper(options: ShopperOptions): Shopper {
  const { url, customerId, customerToken, adminToken, productIds, toShip, recorder, recording, onWrite } =
    options;
  const random = options.random ?? Math.random;
  const placed: string[] = [];
  let shipments = 0;

  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

  async function send(
    operation: Operation,
    method: 'GET' | 'POST',
    path: string,
    token: string,
    body?: unknown,
  ): Promise<{ status: number; code: string | undefined; text: string }> {
    const record = recording();
    const started = performance.now();
    let status = 0; // no answer: refused, reset, timed out
    let text = '';
    try {
      const response = await fetch(url + path, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      text = await response.text();
      status = response.status;
    } catch {
      // Counted under status 0.
    }
    const ms = performance.now() - started;
    const code = status >= 400 ? problemCode(text) : undefined;
    if (record)
      recorder.record(operation, { status, code, expected: isExpectedRefusal(operation, status, code) }, ms);
    return { status, code, text };
  }

  const operations: Record<Operation, () => Promise<void>> = {
    browse: async () => {
      await send('browse', 'GET', `/products/${pick(productIds)}`, customerToken);
    },
    place: async () => {
      const lines = 1 + Math.floor(random() * 3);
      const products = [...new Set(Array.from({ length: lines }, () => pick(productIds)))];
      const orderId = randomUUID();
      const items = products.map((productId) => ({ productId, quantity: 1 + Math.floor(random() * 3) }));
      const { status, code } = await send('place', 'POST', '/orders', customerToken, {
        orderId,
        customerId,
        items,
      });
      onWrite?.({ operation: 'place', orderId, customerId, items, status, code });
      if (status !== 201) return;
      placed.push(orderId);
      if (placed.length > REMEMBERED) placed.shift();
    },
    'get-order': async () => {
      await send('get-order', 'GET', `/orders/${pick(placed)}`, customerToken);
    },
    'list-my-orders': async () => {
      await send('list-my-orders', 'GET', `/customers/${customerId}/orders?limit=20`, customerToken);
    },
    'list-to-ship': async () => {
      const path = `/orders?status=confirmed&limit=${SHIPPING_LIST_SIZE}`;
      const { status, text } = await send('list-to-ship', 'GET', path, adminToken);
      if (status === 200)
        toShip.refresh((JSON.parse(text) as { orders: { orderId: string }[] }).orders.map((o) => o.orderId));
    },
    ship: async () => {
      const orderId = toShip.take(random);
      if (orderId === undefined) return; // another connection took the last one meanwhile
      const trackingNumber = `1Z-LOAD-${++shipments}`;
      const { status, code } = await send('ship', 'POST', `/orders/${orderId}/ship`, adminToken, {
        trackingNumber,
      });
      onWrite?.({ operation: 'ship', orderId, status, code });
    },
    cancel: async () => {
      const orderId = toShip.take(random);
      if (orderId === undefined) return;
      const { status, code } = await send('cancel', 'POST', `/orders/${orderId}/cancel`, adminToken, {
        reason: CANCEL_REASON,
      });
      onWrite?.({ operation: 'cancel', orderId, status, code });
    },
  };

  const possible = (operation: Operation): boolean => {
    switch (operation) {
      case 'ship':
      case 'cancel':
        return toShip.size > 0;
      case 'get-order':
        return placed.length > 0;
      default:
        return true;
    }
  };

  return { step: () => operations[chooseOperation(LOAD_MIX, random(), possible)]() };
}
