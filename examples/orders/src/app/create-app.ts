/**
 * The orders service as one Whizbang app: every handler, read model, reactor and saga, bound to a
 * store; with `messaging`, one service among others over a broker, the payment service elsewhere.
 */
import {
  ValidationError,
  whizbang,
  type AuthorizationDenial,
  type Logger,
  type MessagingOptions,
  type Middleware,
  type ObservabilityOptions,
  type Store,
  type WhizbangApp,
} from '@whizbang/core';
import { PAYMENT_COMMANDS, PAYMENTS_SERVICE } from '../payments/payment-messages.js';
import {
  paymentService,
  type PaymentService,
  type PaymentServiceOptions,
} from '../payments/payment-service.js';
import { abandonOrder, cancelOrder, expireOrder } from './cancel-order.js';
import { confirmationDeadline } from './confirmation-deadline.js';
import { listCustomerOrders } from './customer-orders.js';
import { getCustomer, registerCustomer } from './customers.js';
import { getOrder } from './get-order.js';
import { getJourney } from './journeys.js';
import { listOrders, orderSummaries } from './order-summaries.js';
import { getProductSales, productSales } from './product-sales.js';
import { catalog, listProducts } from './catalog.js';
import { dailySales, getDailySales } from './daily-sales.js';
import { shippingNotices, type ShippingNotice } from './shipping-notices.js';
import { fulfillment, type FulfillmentOptions } from './fulfillment.js';
import { confirmOrder, confirmPaidOrder, deliverOrder, shipOrder } from './order-lifecycle.js';
import { placeOrder } from './place-order.js';
import { addProduct, addStock, getProduct } from './products.js';
import { ordersRoles } from './roles.js';

export interface OrdersAppOptions {
  readonly store: Store;
  /** Global middleware, outermost first (logging, tracing…). */
  readonly middleware?: readonly Middleware[];
  /** Where shipping notices go (default: nowhere). */
  readonly notify?: (notice: ShippingNotice) => void | Promise<void>;
  /** How long an order may wait for confirmation before it expires (default 30 minutes). */
  readonly confirmWithinMs?: number;
  /**
   * Payment confirms orders: the fulfillment saga charges each order placed, confirms it once
   * paid, waits for it to ship, and abandons it (stock and credit given back) on a decline or a
   * timeout. It takes the confirmation deadline's place (`confirmWithinMs` is then unused).
   * Default: off, orders are confirmed by hand (ConfirmOrder).
   */
  readonly fulfillment?: FulfillmentOptions;
  /**
   * The simulated payment service, run in this app (with `fulfillment`, by default), with the
   * failures to inject; `false` when its commands are routed to another service (as `messaging`
   * does).
   */
  readonly payments?: PaymentServiceOptions | false;
  /**
   * The orders service among others, over a broker: ChargePayment and CancelPayment go to the
   * `payments` service (`createPaymentsApp`, in its own process), whose outcomes this app hears
   * back; the saga's own commands and timeouts go through the `orders` command queue, which any
   * node of the service consumes. `runRelay` and `runConsumers` say what this node runs.
   */
  readonly messaging?: OrdersMessagingOptions;
  /**
   * `false`: this node runs no projection daemon, so neither the async read models, the reactor
   * nor the sagas' event handling; a daemon node of the same service runs them.
   */
  readonly daemon?: false;
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

/** Messaging for the orders service: the routes and subscriptions are the service's own. */
export type OrdersMessagingOptions = Omit<
  MessagingOptions,
  'service' | 'commandRoutes' | 'publishedEvents' | 'subscribeTo'
>;

/** The orders service's name on the broker. */
export const ORDERS_SERVICE = 'orders';

export const ordersHandlers = [
  registerCustomer,
  getCustomer,
  addProduct,
  addStock,
  getProduct,
  placeOrder,
  confirmOrder,
  confirmPaidOrder,
  shipOrder,
  deliverOrder,
  cancelOrder,
  expireOrder,
  abandonOrder,
  getOrder,
  listOrders,
  listCustomerOrders,
  getProductSales,
  listProducts,
  getDailySales,
] as const;

/**
 * The read models: the order list and the catalogue inline, sales per product and per day (a
 * SQL table) in the background.
 */
export const ordersProjections = [orderSummaries, catalog, productSales, dailySales] as const;

/**
 * @example
 * const app = createOrdersApp({ store: memoryStore() });
 * const { orderId } = await app.send(PlaceOrder({ orderId: OrderId(), customerId, items }));
 */
// #region app
export function createOrdersApp(options: OrdersAppOptions): WhizbangApp {
  const payments = hostedPayments(options); // the payment service, when it runs in this process
  const app: WhizbangApp = whizbang({
    store: options.store,
    handlers: [...ordersHandlers, ...payments.handlers, getJourney(() => app.journeys)],
    projections: ordersProjections,
    reactors: [shippingNotices(options.notify ?? (() => undefined))],
    sagas: [
      // Orders are confirmed by their payment, or by hand before a deadline: one saga or the other.
      options.fulfillment
        ? fulfillment(options.fulfillment)
        : confirmationDeadline(options.confirmWithinMs ?? 30 * 60_000),
      ...payments.sagas,
    ],
    authorization: { roles: ordersRoles, audit: (denial) => auditDenial(app.logger, denial) },
    ...(options.logger !== undefined && { logger: options.logger }),
    ...(options.observability !== undefined && { observability: options.observability }),
    ...(options.middleware !== undefined && { middleware: options.middleware }),
    ...(options.requireTenant === true && { tenancy: { required: true } }),
    ...(options.messaging !== undefined && { messaging: ordersMessaging(options.messaging) }),
    ...(options.daemon === false && { daemon: false }),
  });
  return app;
}
// #endregion

/** The orders service on the broker: the payment commands go to `payments`, its outcomes come back. */
function ordersMessaging(options: OrdersMessagingOptions): MessagingOptions {
  return {
    ...options,
    service: ORDERS_SERVICE,
    commandRoutes: Object.fromEntries(PAYMENT_COMMANDS.map((type) => [type, PAYMENTS_SERVICE])),
    subscribeTo: [PAYMENTS_SERVICE],
  };
}

/** The payment service this app runs itself: with `fulfillment`, unless it runs elsewhere. */
function hostedPayments(options: OrdersAppOptions): PaymentService {
  const { payments } = options;
  if (options.messaging !== undefined) {
    // Its commands are routed away: handlers here would never see one.
    if (payments !== undefined && payments !== false)
      throw new ValidationError(
        [{ message: 'runs in its own process with messaging (createPaymentsApp)', path: ['payments'] }],
        'orders app options',
      );
    return { handlers: [], sagas: [] };
  }
  if (payments === false || (payments === undefined && options.fulfillment === undefined))
    return { handlers: [], sagas: [] };
  return paymentService(payments);
}

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
