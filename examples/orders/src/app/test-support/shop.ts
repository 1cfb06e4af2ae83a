/** The little shop the app's tests start from: Ada, a mug and a kettle, set up by the back office. */
import type { WhizbangApp } from '@whizbang/core';
import { CustomerId, ProductId } from '../../domain/ids.js';
import { AddProduct, RegisterCustomer } from '../index.js';
import { adminPrincipal, customerPrincipal } from '../roles.js';

export const ada = CustomerId.from('ada');
export const mug = ProductId.from('mug');
export const kettle = ProductId.from('kettle');
/** Send options of the back office (the admin role). */
export const backOffice = { principal: adminPrincipal('back-office') };
/** Send options of Ada, a customer. */
export const asAda = { principal: customerPrincipal(ada) };

/**
 * Registers Ada (credit `creditLimitCents`, default 100.00), 10 mugs at 12.00 and 1 kettle at
 * 60.00, in `tenantId` when given.
 */
export async function stockShop(
  app: WhizbangApp,
  options: { readonly creditLimitCents?: number; readonly tenantId?: string } = {},
): Promise<void> {
  const as = { ...backOffice, ...(options.tenantId !== undefined && { tenantId: options.tenantId }) };
  const creditLimitCents = options.creditLimitCents ?? 100_00;
  await app.send(RegisterCustomer({ customerId: ada, name: 'Ada', creditLimitCents }), as);
  await app.send(AddProduct({ productId: mug, name: 'Mug', priceCents: 12_00, stock: 10 }), as);
  await app.send(AddProduct({ productId: kettle, name: 'Kettle', priceCents: 60_00, stock: 1 }), as);
}
