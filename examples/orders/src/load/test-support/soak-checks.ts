/**
 * The checks every soak runs on what its service did (soak-run.ts), one `it` each, whatever ran
 * the service: its answers, its log and what it shows, held to one another (shop-audit.ts), and
 * nothing left half done.
 */
import { expect, it } from 'vitest';
import { formatLoadReport } from '../report.js';
import type { SettledSoak } from './soak-run.js';
import { auditAnswers, auditLog, auditViews } from './shop-audit.js';
import type { ShopLog } from './shop-log.js';
import { readShopViews } from './shop-views.js';

/**
 * Declares the checks, in the calling `describe`, on the soak its `beforeAll` settled.
 * @example
 * soakChecks(() => soak, () => service.url);
 */
export function soakChecks(settled: () => SettledSoak, viewsUrl: () => string): void {
  const tenantsOf = () => settled().run.report.shop.map(({ tenantId }) => tenantId);
  const shopOf = (tenantId: string): ShopLog => {
    const shop = settled().shops.get(tenantId);
    if (shop === undefined) throw new Error(`No log read for ${tenantId}`);
    return shop;
  };

  it('answers every request, refusing only what the mix runs into by design, and ran the whole mix', () => {
    const { report, restocks } = settled().run;
    expect({ errors: report.overall.errors, report: formatLoadReport(report) }).toMatchObject({ errors: {} });
    const statuses = (operation: string) =>
      report.operations.find((o) => o.operation === operation)?.statuses;
    expect(statuses('place')?.[201]).toBeGreaterThan(0);
    expect(statuses('ship')?.[200]).toBeGreaterThan(0);
    expect(statuses('cancel')?.[200]).toBeGreaterThan(0);
    // The shop ran low and was restocked: stock was near zero, where overselling would show.
    expect(restocks.length).toBeGreaterThan(0);
  });

  it('kept its word: the log has every order, shipment, cancellation and restock it answered for, once, and nothing else', () => {
    const { writes, restocks } = settled().run;
    for (const tenantId of tenantsOf()) {
      const shop = shopOf(tenantId);
      expect({
        tenantId,
        problems: auditAnswers(
          shop,
          writes.get(tenantId) ?? [],
          restocks.filter((r) => r.tenantId === tenantId),
        ),
      }).toEqual({
        tenantId,
        problems: [],
      });
      expect(shop.orders.size).toBeGreaterThan(0);
    }
  });

  it('never oversold or overdrew: stock and credit held at every version, and units and credit are conserved', () => {
    for (const tenantId of tenantsOf()) {
      const shop = shopOf(tenantId);
      expect({ tenantId, problems: auditLog(shop) }).toEqual({ tenantId, problems: [] });
      const listed = settled().run.report.shop.find((t) => t.tenantId === tenantId);
      expect([...shop.products.keys()].toSorted()).toEqual([...(listed?.productIds ?? [])].toSorted());
      expect([...shop.customers.keys()].toSorted()).toEqual([...(listed?.customerIds ?? [])].toSorted());
      // The payment declined some orders and the saga cancelled them, giving back what they held.
      expect(
        [...shop.orders.values()].some((o) => o.status === 'cancelled' && o.cancelReason !== undefined),
      ).toBe(true);
      // A customer with little credit, two shoppers racing for it, ran out of it: the limit held
      // where it was tested, not only in principle.
      const refusedForCredit = (settled().run.writes.get(tenantId) ?? []).filter(
        (answer) => answer.operation === 'place' && answer.code === 'CREDIT_LIMIT_EXCEEDED',
      );
      expect(refusedForCredit.length).toBeGreaterThan(0);
    }
  });

  it('left nothing half done: every order was paid or declined, and no message was parked', () => {
    for (const tenantId of tenantsOf()) {
      const pending = [...shopOf(tenantId).orders.values()].filter((o) => o.status === 'pending');
      expect({ tenantId, pending: pending.map((o) => o.orderId) }).toEqual({ tenantId, pending: [] });
    }
    expect(settled().parked).toEqual([]);
  });

  it('shows what the log says: catalogue, products, customers and their orders, every order, sales per product and per day', async () => {
    for (const tenantId of tenantsOf()) {
      const shop = shopOf(tenantId);
      const days = [...shop.days.keys()].toSorted();
      const views = await readShopViews(viewsUrl(), settled().run.admins.get(tenantId) ?? '', {
        productIds: [...shop.products.keys()],
        customerIds: [...shop.customers.keys()],
        orderIds: [...shop.orders.keys()],
        from: days.at(0) ?? '',
        to: days.at(-1) ?? '',
      });
      expect({ tenantId, problems: auditViews(shop, views) }).toEqual({ tenantId, problems: [] });
      expect(views.orders.length).toBe(shop.orders.size);
    }
  });
}
