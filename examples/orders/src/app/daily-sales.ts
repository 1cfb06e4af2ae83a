/**
 * Daily sales for the back office: one row per day (UTC, by when each event was recorded) in a
 * real SQL table, `daily_sales`, that reporting tools can query and join, built by the projection
 * daemon in the background. A rebuild gives the same rows: the day comes from the log, not the
 * clock.
 */
import { z } from 'zod';
import { defineProjection, defineQuery, defineTable, handle, readTable, type } from '@whizbang/core';
import type { OrderEvent } from '../domain/order-messages.js';
import { ORDERS_PERMISSIONS } from './roles.js';

export interface DailySales {
  /** `YYYY-MM-DD`, UTC. */
  readonly day: string;
  readonly orders_placed: number | null;
  readonly placed_cents: number | null;
  readonly orders_confirmed: number | null;
  readonly orders_shipped: number | null;
  readonly orders_cancelled: number | null;
}

export const DailySalesTable = defineTable<DailySales>('daily_sales', {
  key: 'day',
  columns: {
    orders_placed: 'integer',
    placed_cents: 'integer',
    orders_confirmed: 'integer',
    orders_shipped: 'integer',
    orders_cancelled: 'integer',
  },
});

const dayOf = (at: Date) => at.toISOString().slice(0, 10);
const count = (column: 'orders_confirmed' | 'orders_shipped' | 'orders_cancelled') => (row: DailySales) => ({
  ...row,
  [column]: (row[column] ?? 0) + 1,
});

// #region table
export const dailySales = defineProjection<DailySales, OrderEvent>({
  name: 'daily-sales',
  lifecycle: 'async',
  table: DailySalesTable, // rows of a real table, not documents
  identity: (event) => dayOf(event.createdAt),
  initialState: () => ({
    day: '',
    orders_placed: 0,
    placed_cents: 0,
    orders_confirmed: 0,
    orders_shipped: 0,
    orders_cancelled: 0,
  }),
  handlers: {
    OrderPlaced: (row, event) => ({
      ...row,
      orders_placed: (row.orders_placed ?? 0) + 1,
      placed_cents: (row.placed_cents ?? 0) + event.data.totalCents,
    }),
    OrderConfirmed: count('orders_confirmed'),
    OrderShipped: count('orders_shipped'),
    OrderCancelled: count('orders_cancelled'),
  },
});
// #endregion

/** Whether `day` (`YYYY-MM-DD`) names a day of the calendar (not 2026-02-30). */
function isRealDay(day: string): boolean {
  const at = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(at.getTime()) && dayOf(at) === day;
}

const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine(isRealDay, 'must be a real date');

/** At most a year of days per request. */
const MAX_DAYS = 366;

export const GetDailySales = defineQuery('GetDailySales', {
  schema: z
    .strictObject({ from: isoDay, to: isoDay })
    .refine(({ from, to }) => from <= to, { message: 'must not be after `to`', path: ['from'] })
    .refine(({ from, to }) => daysBetween(from, to).length <= MAX_DAYS, {
      message: `spans more than ${MAX_DAYS} days`,
      path: ['to'],
    }),
  /** The days from `from` to `to` with any sales, oldest first. */
  result: type<{ days: DailySales[] }>(),
});

/** Every day from `from` to `to` inclusive (up to one more than the limit, to tell it was passed). */
function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  if (!isRealDay(from) || !isRealDay(to)) return days; // refused by the fields' own checks
  for (let at = new Date(`${from}T00:00:00Z`); dayOf(at) <= to && days.length <= MAX_DAYS;) {
    days.push(dayOf(at));
    at = new Date(at.getTime() + 86_400_000);
  }
  return days;
}

export const getDailySales = handle(
  GetDailySales,
  async (query, ctx) => {
    const days = daysBetween(query.data.from, query.data.to);
    return { days: await readTable(ctx.store, dailySales).getMany(days) };
  },
  { permissions: [ORDERS_PERMISSIONS.readDailySales] },
);
