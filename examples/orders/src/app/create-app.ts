/** The orders service as one Whizbang app: every handler, bound to a store. */
import { whizbang, type Middleware, type Store, type WhizbangApp } from '@whizbang/core';
import { cancelOrder } from './cancel-order.js';
import { getCustomer, registerCustomer } from './customers.js';
import { getOrder } from './get-order.js';
import { confirmOrder, deliverOrder, shipOrder } from './order-lifecycle.js';
import { placeOrder } from './place-order.js';
import { addProduct, addStock, getProduct } from './products.js';

export interface OrdersAppOptions {
  readonly store: Store;
  /** Global middleware, outermost first (logging, tracing…). */
  readonly middleware?: readonly Middleware[];
}

export const ordersHandlers = [
  registerCustomer,
  getCustomer,
  addProduct,
  addStock,
  getProduct,
  placeOrder,
  confirmOrder,
  shipOrder,
  deliverOrder,
  cancelOrder,
  getOrder,
] as const;

/**
 * @example
 * const app = createOrdersApp({ store: memoryStore() });
 * const { orderId } = await app.send(PlaceOrder({ orderId: OrderId(), customerId, items }));
 */
export function createOrdersApp(options: OrdersAppOptions): WhizbangApp {
  return whizbang({
    store: options.store,
    handlers: ordersHandlers,
    ...(options.middleware !== undefined && { middleware: options.middleware }),
  });
}
