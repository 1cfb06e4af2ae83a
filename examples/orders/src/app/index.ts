/** The orders service's public surface: its app factory, commands, queries and views. */
export { createOrdersApp, ordersHandlers, type OrdersAppOptions } from './create-app.js';
export { PlaceOrder } from './place-order.js';
export { CancelOrder } from './cancel-order.js';
export { ConfirmOrder, DeliverOrder, ShipOrder } from './order-lifecycle.js';
export { GetCustomer, RegisterCustomer, type CustomerView } from './customers.js';
export { AddProduct, AddStock, GetProduct, type ProductView } from './products.js';
export { GetOrder, type OrderView } from './get-order.js';
