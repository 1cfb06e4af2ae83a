/** The customer's commands and events. */
import { z } from 'zod';
import { defineCommand, defineEvent, type, type MessageOf } from '@whizbang/core';
import type { CustomerId, OrderId } from './ids.js';
import type { Cents } from './money.js';
import { customerIdSchema, textSchema, wholeNumberSchema } from './schemas.js';

export const RegisterCustomer = defineCommand('RegisterCustomer', {
  schema: z.strictObject({
    customerId: customerIdSchema,
    name: textSchema(200),
    creditLimitCents: wholeNumberSchema,
  }),
  result: type<{ customerId: CustomerId; version: number }>(),
});
/** Sent by the PlaceOrder unit of work, never by a client. */
export const ReserveCredit = defineCommand('ReserveCredit', {
  data: type<{ customerId: CustomerId; orderId: OrderId; amountCents: Cents }>(),
});
/** Sent by the CancelOrder unit of work, never by a client. */
export const ReleaseCredit = defineCommand('ReleaseCredit', {
  data: type<{ customerId: CustomerId; orderId: OrderId; amountCents: Cents }>(),
});

export const CustomerRegistered = defineEvent('CustomerRegistered', {
  data: type<{ customerId: CustomerId; name: string; creditLimitCents: Cents }>(),
});
export const CreditReserved = defineEvent('CreditReserved', {
  data: type<{ customerId: CustomerId; orderId: OrderId; amountCents: Cents }>(),
});
export const CreditReleased = defineEvent('CreditReleased', {
  data: type<{ customerId: CustomerId; orderId: OrderId; amountCents: Cents }>(),
});

export type CustomerCommand =
  MessageOf<typeof RegisterCustomer> | MessageOf<typeof ReserveCredit> | MessageOf<typeof ReleaseCredit>;
export type CustomerEvent =
  MessageOf<typeof CustomerRegistered> | MessageOf<typeof CreditReserved> | MessageOf<typeof CreditReleased>;
