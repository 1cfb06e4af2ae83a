/**
 * What the service shows of a tenant's shop over HTTP, as its admin sees it: the catalogue, each
 * product, each customer and their order list, each order, the sales per product and per day.
 * Read all at once, after the service has gone quiet, to hold against the log.
 */
import type { ProductListing } from '../../app/catalog.js';
import type { CustomerView } from '../../app/customers.js';
import type { DailySales } from '../../app/daily-sales.js';
import type { OrderView } from '../../app/get-order.js';
import type { OrderSummary } from '../../app/order-summaries.js';
import type { ProductSales } from '../../app/product-sales.js';
import type { ProductView } from '../../app/products.js';

export interface ShopViews {
  readonly catalog: readonly ProductListing[];
  readonly products: readonly ProductView[];
  readonly customers: readonly CustomerView[];
  /** Every page of each customer's order list. */
  readonly customerOrders: ReadonlyMap<string, readonly OrderSummary[]>;
  readonly orders: readonly OrderView[];
  /** Per product; null when the service has none (404). */
  readonly productSales: ReadonlyMap<string, ProductSales | null>;
  readonly days: readonly DailySales[];
}

export interface ShopIds {
  readonly productIds: readonly string[];
  readonly customerIds: readonly string[];
  readonly orderIds: readonly string[];
  /** The days to ask the daily sales for, `YYYY-MM-DD`, first and last. */
  readonly from: string;
  readonly to: string;
}

/** Requests at once when reading one view per id. */
const IN_FLIGHT = 8;

async function inBatches<T, R>(items: readonly T[], read: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += IN_FLIGHT)
    results.push(...(await Promise.all(items.slice(i, i + IN_FLIGHT).map(read))));
  return results;
}

/**
 * @example
 * const views = await readShopViews(url, adminToken, { productIds, customerIds, orderIds, from, to });
 */
export async function readShopViews(url: string, adminToken: string, ids: ShopIds): Promise<ShopViews> {
  /** The view at `path`; null for a 404 when `missing` says it may be missing. */
  async function get<T>(path: string, missing: 'may be missing'): Promise<T | null>;
  async function get<T>(path: string): Promise<T>;
  async function get<T>(path: string, missing?: 'may be missing'): Promise<T | null> {
    const response = await fetch(url + path, { headers: { authorization: `Bearer ${adminToken}` } });
    const text = await response.text();
    if (response.status === 404 && missing !== undefined) return null;
    if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status} ${text}`);
    return JSON.parse(text) as T;
  }

  async function pages<T>(path: string, key: 'products' | 'orders'): Promise<T[]> {
    const all: T[] = [];
    for (let after: string | undefined; ;) {
      const page = await get<Record<typeof key, T[]> & { next?: string }>(
        `${path}${path.includes('?') ? '&' : '?'}limit=100${after === undefined ? '' : `&after=${encodeURIComponent(after)}`}`,
      );
      all.push(...page[key]);
      if (page.next === undefined) return all;
      after = page.next;
    }
  }

  const catalog = await pages<ProductListing>('/products', 'products');
  const products = await inBatches(ids.productIds, (id) => get<ProductView>(`/products/${id}`));
  const customers = await inBatches(ids.customerIds, (id) => get<CustomerView>(`/customers/${id}`));
  const customerOrders = new Map(
    await inBatches(
      ids.customerIds,
      async (id) => [id, await pages<OrderSummary>(`/customers/${id}/orders`, 'orders')] as const,
    ),
  );
  const orders = await inBatches(ids.orderIds, (id) => get<OrderView>(`/orders/${id}`));
  const productSales = new Map(
    await inBatches(
      ids.productIds,
      async (id) => [id, await get<ProductSales>(`/products/${id}/sales`, 'may be missing')] as const,
    ),
  );
  const { days } = await get<{ days: DailySales[] }>(`/sales/daily?from=${ids.from}&to=${ids.to}`);
  return { catalog, products, customers, customerOrders, orders, productSales, days };
}
