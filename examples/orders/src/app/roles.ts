/**
 * Who may do what in the orders service: the permissions its handlers require, and what each
 * role of a caller grants. A customer's token names the customer (`sub`, the customer id) and
 * holds the `customer` role; the back office's holds `admin`. Which customer's things a customer
 * may touch is for the ownership policies (`ownership.ts`).
 */
import type { Principal, RoleMap } from '@whizbang/core';

export const ADMIN_ROLE = 'admin';
export const CUSTOMER_ROLE = 'customer';

/** Every permission a handler of the service requires, one per kind of request. */
export const ORDERS_PERMISSIONS = {
  registerCustomers: 'customers:register',
  readCustomers: 'customers:read',
  addProducts: 'products:add',
  restockProducts: 'products:restock',
  readProducts: 'products:read',
  readProductSales: 'products:sales',
  readDailySales: 'sales:read',
  placeOrders: 'orders:place',
  readOrders: 'orders:read',
  listAllOrders: 'orders:list',
  confirmOrders: 'orders:confirm',
  shipOrders: 'orders:ship',
  deliverOrders: 'orders:deliver',
  cancelOrders: 'orders:cancel',
  readJourneys: 'journeys:read',
} as const;

const can = ORDERS_PERMISSIONS;

/**
 * Admins may do everything; customers browse the catalogue, place orders and read their own
 * record and orders (the ownership policies keep them to their own). A token with neither role
 * may do nothing: nobody is a customer by default.
 */
export const ordersRoles: RoleMap = {
  [ADMIN_ROLE]: ['*'],
  [CUSTOMER_ROLE]: [can.readProducts, can.placeOrders, can.readCustomers, can.readOrders],
};

/**
 * The back office, for code that sends without an HTTP request: seeding, the demo, scripts.
 * @example
 * await app.send(AddProduct(product), { tenantId, principal: adminPrincipal('seed') });
 */
export const adminPrincipal = (id: string): Principal => ({ id, roles: [ADMIN_ROLE] });

/**
 * A customer, as their token makes them: their customer id, the customer role.
 * @example
 * await app.send(PlaceOrder({ orderId, customerId, items }), { principal: customerPrincipal(customerId) });
 */
export const customerPrincipal = (customerId: string): Principal => ({
  id: customerId,
  roles: [CUSTOMER_ROLE],
});

/** Whether `principal` acts for any customer (the admin role) rather than only for itself. */
export const actsForAnyCustomer = (principal: Principal): boolean =>
  Array.isArray(principal.roles) && principal.roles.includes(ADMIN_ROLE);
