/** The orders service as one Whizbang app: every handler, read model, reactor and saga, bound to a store. */
import {
  whizbang,
  type AuthorizationDenial,
  type Logger,
  type Middleware,
  type ObservabilityOptions,
  type RoleMap,
  type Store,
  type WhizbangApp,
} from '@whizbang/core';
import { cancelOrder, expireOrder } from './cancel-order.js';
import { confirmationDeadline } from './confirmation-deadline.js';
import { listCustomerOrders } from './customer-orders.js';
import { getCustomer, registerCustomer } from './customers.js';
import { getOrder } from './get-order.js';
import { getJourney, READ_JOURNEYS } from './journeys.js';
import { listOrders, orderSummaries } from './order-summaries.js';
import { getProductSales, productSales } from './product-sales.js';
import { shippingNotices, type ShippingNotice } from './shipping-notices.js';
import { confirmOrder, deliverOrder, shipOrder } from './order-lifecycle.js';
import { placeOrder } from './place-order.js';
import { addProduct, addStock, getProduct } from './products.js';

export interface OrdersAppOptions {
  readonly store: Store;
  /** Global middleware, outermost first (logging, tracing…). */
  readonly middleware?: readonly Middleware[];
  /** Where shipping notices go (default: nowhere). */
  readonly notify?: (notice: ShippingNotice) => void | Promise<void>;
  /** How long an order may wait for confirmation before it expires (default 30 minutes). */
  readonly confirmWithinMs?: number;
  /**
   * Refuse messages without a tenant before anything runs, as the HTTP edge wants (default false:
   * the scripted journey runs without tenants, in `default`).
   */
  readonly requireTenant?: boolean;
  /** Where the app logs (a `pinoLogger()` say; default JSON lines on stderr). */
  readonly logger?: Logger;
  /** Spans, metrics, budgets, journeys (`{ journeys: true }` records them in the store). */
  readonly observability?: ObservabilityOptions;
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
  expireOrder,
  getOrder,
  listOrders,
  listCustomerOrders,
  getProductSales,
] as const;

/**
 * What each role in a caller's token grants, beyond what any caller of its tenant may do (place
 * and read orders): admins read journeys.
 */
export const ordersRoles: RoleMap = { admin: [READ_JOURNEYS] };

/** The read models: the order list inline, sales per product in the background. */
export const ordersProjections = [orderSummaries, productSales] as const;

/**
 * @example
 * const app = createOrdersApp({ store: memoryStore() });
 * const { orderId } = await app.send(PlaceOrder({ orderId: OrderId(), customerId, items }));
 */
// #region app
export function createOrdersApp(options: OrdersAppOptions): WhizbangApp {
  const app: WhizbangApp = whizbang({
    store: options.store,
    handlers: [...ordersHandlers, getJourney(() => app.journeys)],
    projections: ordersProjections,
    reactors: [shippingNotices(options.notify ?? (() => undefined))],
    sagas: [confirmationDeadline(options.confirmWithinMs ?? 30 * 60_000)],
    authorization: { roles: ordersRoles, audit: (denial) => auditDenial(app.logger, denial) },
    ...(options.logger !== undefined && { logger: options.logger }),
    ...(options.observability !== undefined && { observability: options.observability }),
    ...(options.middleware !== undefined && { middleware: options.middleware }),
    ...(options.requireTenant === true && { tenancy: { required: true } }),
  });
  return app;
}
// #endregion

/** A refusal goes to the app's log, with the rest of what happened, rather than to stderr alone. */
function auditDenial(logger: Logger, denial: AuthorizationDenial): void {
  logger.warn(
    { event: 'whizbang.authorization.denied', ...denial },
    `${denial.messageType} refused: ${denial.reason}`,
  );
}

/**
 * The same service for callers that always name a tenant, as the HTTP edge does: a message
 * without one is refused before anything runs, and every handler's `ctx.store` is its tenant's.
 * @example
 * const app = createTenantOrdersApp({ store });
 * await app.send(RegisterCustomer({ customerId, name, creditLimitCents }), { tenantId: 'acme' });
 */
export function createTenantOrdersApp(options: OrdersAppOptions): WhizbangApp {
  return createOrdersApp({ ...options, requireTenant: true });
}
