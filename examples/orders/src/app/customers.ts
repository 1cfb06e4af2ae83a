/** Registering customers and reading one back. */
import { z } from 'zod';
import { aggregateStream, defineQuery, handle, handleCommand, type } from '@whizbang/core';
import { RegisterCustomer } from '../domain/customer-messages.js';
import { customerDecider } from '../domain/customer.js';
import { customerStream, type CustomerId } from '../domain/ids.js';
import type { Cents } from '../domain/money.js';
import { customerIdSchema } from '../domain/schemas.js';
import { ownCustomer } from './ownership.js';
import { ORDERS_PERMISSIONS } from './roles.js';

export { RegisterCustomer };

export interface CustomerView {
  readonly customerId: CustomerId;
  readonly name: string;
  readonly creditLimitCents: Cents;
  readonly reservedCents: Cents;
  readonly availableCents: Cents;
  /** The stream version the view was folded up to. */
  readonly version: number;
}

export const GetCustomer = defineQuery('GetCustomer', {
  schema: z.strictObject({ customerId: customerIdSchema }),
  result: type<CustomerView | null>(),
});

export const registerCustomer = handle(
  RegisterCustomer,
  async (command, ctx) => {
    const { customerId } = command.data;
    const { nextExpectedVersion } = await handleCommand(
      ctx,
      customerStream(customerId),
      customerDecider,
      command,
    );
    return { customerId, version: nextExpectedVersion };
  },
  { permissions: [ORDERS_PERMISSIONS.registerCustomers] },
);

export const getCustomer = handle(
  GetCustomer,
  async (query, ctx) => {
    const { state, version } = await aggregateStream(
      ctx,
      customerStream(query.data.customerId),
      customerDecider,
    );
    if (state.status === 'unknown') return null;
    const { customerId, name, creditLimitCents, reservedCents } = state;
    return {
      customerId,
      name,
      creditLimitCents,
      reservedCents,
      availableCents: creditLimitCents - reservedCents,
      version,
    };
  },
  { permissions: [ORDERS_PERMISSIONS.readCustomers], policies: [ownCustomer] },
);
