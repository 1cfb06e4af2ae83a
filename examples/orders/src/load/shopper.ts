/**
 * One simulated shopper: a customer of a tenant who browses, places orders, reads them back and
 * lists them, with the tenant's back office confirming, shipping and cancelling those orders as
 * its admin. One request at a time; each is timed from sending to the last byte of the answer.
 */
import { randomUUID } from 'node:crypto';
import type { LatencyRecorder } from './latency.js';
import { chooseOperation, LOAD_MIX, type Operation } from './mix.js';

export interface ShopperOptions {
  readonly url: string;
  readonly customerId: string;
  /** The customer's bearer token: browse, place, read, list. */
  readonly customerToken: string;
  /** The tenant admin's: confirm, ship, cancel. */
  readonly adminToken: string;
  /** The tenant's products, with enough stock for the run. */
  readonly productIds: readonly string[];
  readonly recorder: LatencyRecorder;
  /** Whether to record the request starting now (false during warm-up). */
  readonly recording: () => boolean;
  readonly random?: () => number;
}

export interface Shopper {
  /** Sends one request of the mix and records it. */
  step(): Promise<void>;
}

interface OrderRef {
  readonly orderId: string;
  readonly version: number;
}

/** Orders a shopper remembers for reading back; older ones are forgotten. */
const REMEMBERED = 100;

/** @example const shopper = createShopper({ url, customerId, customerToken, adminToken, productIds, recorder, recording: () => true }); */
export function createShopper(options: ShopperOptions): Shopper {
  const { url, customerId, customerToken, adminToken, productIds, recorder, recording } = options;
  const random = options.random ?? Math.random;
  const pending: OrderRef[] = [];
  const confirmed: OrderRef[] = [];
  const known: string[] = [];
  let shipments = 0;

  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const take = (items: OrderRef[]): OrderRef => items.splice(Math.floor(random() * items.length), 1)[0]!;
  const remember = (list: OrderRef[], order: OrderRef) => {
    list.push(order);
    if (list.length > REMEMBERED) list.shift();
  };

  async function send(
    operation: Operation,
    method: 'GET' | 'POST',
    path: string,
    token: string,
    body?: unknown,
    ifMatch?: number,
  ): Promise<{ status: number; text: string }> {
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
          ...(ifMatch !== undefined && { 'if-match': `"${ifMatch}"` }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      text = await response.text();
      status = response.status;
    } catch {
      // Counted under status 0.
    }
    if (record) recorder.record(operation, status, performance.now() - started);
    return { status, text };
  }

  const version = (text: string) => (JSON.parse(text) as { version: number }).version;

  const operations: Record<Operation, () => Promise<void>> = {
    browse: async () => {
      await send('browse', 'GET', `/products/${pick(productIds)}`, customerToken);
    },
    place: async () => {
      const lines = 1 + Math.floor(random() * 3);
      const products = [...new Set(Array.from({ length: lines }, () => pick(productIds)))];
      const orderId = randomUUID();
      const items = products.map((productId) => ({ productId, quantity: 1 + Math.floor(random() * 3) }));
      const { status, text } = await send('place', 'POST', '/orders', customerToken, {
        orderId,
        customerId,
        items,
      });
      if (status !== 201) return;
      remember(pending, { orderId, version: version(text) });
      known.push(orderId);
      if (known.length > REMEMBERED) known.shift();
    },
    confirm: async () => {
      const order = take(pending);
      const path = `/orders/${order.orderId}/confirm`;
      const { status, text } = await send('confirm', 'POST', path, adminToken, {}, order.version);
      if (status === 200) remember(confirmed, { orderId: order.orderId, version: version(text) });
    },
    ship: async () => {
      const order = take(confirmed);
      const trackingNumber = `1Z-LOAD-${++shipments}`;
      const path = `/orders/${order.orderId}/ship`;
      await send('ship', 'POST', path, adminToken, { trackingNumber }, order.version);
    },
    cancel: async () => {
      // About half the cancellations hit a confirmed order (when there is one), the rest a pending one.
      const from = confirmed.length > 0 && (pending.length === 0 || random() < 0.5) ? confirmed : pending;
      const order = take(from);
      const path = `/orders/${order.orderId}/cancel`;
      await send('cancel', 'POST', path, adminToken, { reason: 'changed my mind' }, order.version);
    },
    'get-order': async () => {
      await send('get-order', 'GET', `/orders/${pick(known)}`, customerToken);
    },
    'list-my-orders': async () => {
      await send('list-my-orders', 'GET', `/customers/${customerId}/orders?limit=20`, customerToken);
    },
  };

  const possible = (operation: Operation): boolean => {
    switch (operation) {
      case 'confirm':
        return pending.length > 0;
      case 'ship':
        return confirmed.length > 0;
      case 'cancel':
        return pending.length + confirmed.length > 0;
      case 'get-order':
        return known.length > 0;
      default:
        return true;
    }
  };

  return { step: () => operations[chooseOperation(LOAD_MIX, random(), possible)]() };
}
