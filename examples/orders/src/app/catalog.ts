/**
 * The catalogue as shoppers browse it: one listing per product with the units available to new
 * orders and the units orders have taken, written inline with the product's events, so a
 * listing never shows stock an order has just taken.
 */
import { z } from 'zod';
import { defineCollection, defineProjection, defineQuery, handle, readModel, type } from '@whizbang/core';
import type { ProductId } from '../domain/ids.js';
import type { Cents } from '../domain/money.js';
import type { ProductEvent } from '../domain/product-messages.js';
import { pageLimit } from './paging.js';
import { ORDERS_PERMISSIONS } from './roles.js';

export interface ProductListing {
  readonly productId: ProductId;
  readonly name: string;
  readonly priceCents: Cents;
  /** Units a new order can take. */
  readonly available: number;
  /** Units taken by orders and not given back (a cancelled order gives its units back). */
  readonly ordered: number;
}

/** Browsed by name, or only what is in stock. */
export const Catalog = defineCollection<ProductListing>('catalog', {
  fields: { name: 'string', available: 'number' },
  indexes: [['name'], ['available', 'name']],
});

const adjust = (available: number, ordered: number) => (listing: ProductListing) =>
  listing.productId
    ? {
        ...listing,
        available: listing.available + available,
        ordered: listing.ordered + ordered,
      }
    : undefined;

export const catalog = defineProjection<ProductListing, ProductEvent>({
  name: 'catalog',
  lifecycle: 'inline',
  collection: Catalog,
  identity: (event) => event.data.productId,
  initialState: () => ({ productId: '' as ProductId, name: '', priceCents: 0, available: 0, ordered: 0 }),
  handlers: {
    ProductAdded: (_, { data }) => ({
      productId: data.productId,
      name: data.name,
      priceCents: data.priceCents,
      available: data.stock,
      ordered: 0,
    }),
    StockAdded: (listing, { data }) => adjust(data.quantity, 0)(listing),
    StockReserved: (listing, { data }) => adjust(-data.quantity, data.quantity)(listing),
    StockReleased: (listing, { data }) => adjust(data.quantity, -data.quantity)(listing),
  },
});

export const ListProducts = defineQuery('ListProducts', {
  schema: z.strictObject({
    /** Only products with units available (`?inStock=true`). */
    inStock: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).optional(),
    /** The `next` cursor of the previous page. */
    after: z.string().max(1_000).optional(),
    limit: pageLimit.optional(),
  }),
  result: type<{ products: ProductListing[]; next?: string }>(),
});

export const listProducts = handle(
  ListProducts,
  async (query, ctx) => {
    const { inStock, after, limit } = query.data;
    const page = await readModel(ctx.store, catalog).find({
      ...(inStock === true && { where: { available: { gt: 0 } } }),
      orderBy: [{ field: 'name' }],
      limit: limit ?? 20,
      ...(after !== undefined && { after }),
    });
    return {
      products: page.documents.map((d) => d.data),
      ...(page.next !== undefined && { next: page.next }),
    };
  },
  { permissions: [ORDERS_PERMISSIONS.readProducts] },
);
