/** The orders service's public surface: its app factory, commands, queries and views. */
export {
  createOrdersApp,
  createTenantOrdersApp,
  ORDERS_SERVICE,
  ordersHandlers,
  ordersProjections,
  type OrdersAppOptions,
  type OrdersMessagingOptions,
} from './create-app.js';
export { PlaceOrder } from './place-order.js';
export { AbandonOrder, CancelOrder, ExpireOrder } from './cancel-order.js';
export { confirmationDeadline, type Deadline } from './confirmation-deadline.js';
export {
  DEFAULT_PAY_WITHIN_MS,
  DEFAULT_SHIP_WITHIN_MS,
  fulfillment,
  type Fulfillment,
  type FulfillmentOptions,
} from './fulfillment.js';
export { ConfirmOrder, ConfirmPaidOrder, DeliverOrder, ShipOrder } from './order-lifecycle.js';
export { GetCustomer, RegisterCustomer, type CustomerView } from './customers.js';
export { AddProduct, AddStock, GetProduct, type ProductView } from './products.js';
export { GetOrder, type OrderView } from './get-order.js';
export { GetJourney } from './journeys.js';
export {
  actsForAnyCustomer,
  ADMIN_ROLE,
  adminPrincipal,
  CUSTOMER_ROLE,
  customerPrincipal,
  ORDERS_PERMISSIONS,
  ordersRoles,
} from './roles.js';
export { ownCustomer, ownOrder } from './ownership.js';
export {
  findOrders,
  ListOrders,
  orderSummaries,
  OrderSummaries,
  type OrderPage,
  type OrderSummary,
} from './order-summaries.js';
export { ListCustomerOrders } from './customer-orders.js';
export { GetProductSales, productSales, type ProductSales } from './product-sales.js';
export { catalog, Catalog, ListProducts, type ProductListing } from './catalog.js';
export { dailySales, DailySalesTable, GetDailySales, type DailySales } from './daily-sales.js';
export { shippingNotices, type ShippingNotice } from './shipping-notices.js';
