import { foldEvents } from '@whizbang/core';
import { describe, expect, it } from 'vitest';
import {
  CreditReleased,
  CreditReserved,
  CustomerRegistered,
  RegisterCustomer,
  ReleaseCredit,
  ReserveCredit,
  type CustomerCommand,
  type CustomerEvent,
} from './customer-messages.js';
import { customerDecider } from './customer.js';
import { CustomerId, OrderId } from './ids.js';

const customerId = CustomerId.from('c-1');
const orderId = OrderId.from('o-1');
const registered = CustomerRegistered({ customerId, name: 'Ada', creditLimitCents: 100_00 });

/** Given these events, when this command: the events decided. */
const decide = (given: CustomerEvent[], command: CustomerCommand) =>
  customerDecider.decide(command, foldEvents(customerDecider, given));
/** Given these events, when this command: the rule it broke. */
function refusal(given: CustomerEvent[], command: CustomerCommand): unknown {
  try {
    decide(given, command);
  } catch (error) {
    return error;
  }
  throw new Error('expected the command to be refused');
}

describe('customer: registering', () => {
  it('registers a customer with a trimmed name', () => {
    expect(decide([], RegisterCustomer({ customerId, name: ' Ada ', creditLimitCents: 100_00 }))).toEqual([
      registered,
    ]);
  });

  it('accepts a zero credit limit', () => {
    expect(decide([], RegisterCustomer({ customerId, name: 'Ada', creditLimitCents: 0 }))).toHaveLength(1);
  });

  it('refuses to register the same customer twice', () => {
    expect(
      refusal([registered], RegisterCustomer({ customerId, name: 'Ada', creditLimitCents: 1 })),
    ).toMatchObject({ code: 'CUSTOMER_ALREADY_REGISTERED', aggregate: 'customer', details: { customerId } });
  });

  it('refuses a blank name and a negative or fractional credit limit', () => {
    expect(refusal([], RegisterCustomer({ customerId, name: '  ', creditLimitCents: 1 }))).toMatchObject({
      code: 'CUSTOMER_NAME_REQUIRED',
    });
    for (const creditLimitCents of [-1, 1.5, Number.NaN])
      expect(refusal([], RegisterCustomer({ customerId, name: 'Ada', creditLimitCents }))).toMatchObject({
        code: 'INVALID_CREDIT_LIMIT',
      });
  });
});

describe('customer: credit', () => {
  it('reserves credit up to exactly the limit', () => {
    const reserve = ReserveCredit({ customerId, orderId, amountCents: 100_00 });
    expect(decide([registered], reserve)).toEqual([CreditReserved(reserve.data)]);
  });

  it('refuses credit beyond the limit, saying what is available', () => {
    const given = [registered, CreditReserved({ customerId, orderId, amountCents: 60_00 })];
    const error = refusal(
      given,
      ReserveCredit({ customerId, orderId: OrderId.from('o-2'), amountCents: 40_01 }),
    );
    expect(error).toMatchObject({
      name: 'CustomerRuleViolation',
      code: 'CREDIT_LIMIT_EXCEEDED',
      details: { requestedCents: 40_01, availableCents: 40_00 },
    });
  });

  it('refuses a zero, negative or fractional amount', () => {
    for (const amountCents of [0, -5, 0.5])
      expect(refusal([registered], ReserveCredit({ customerId, orderId, amountCents }))).toMatchObject({
        code: 'INVALID_AMOUNT',
      });
  });

  it('refuses credit for a customer that is not registered', () => {
    expect(refusal([], ReserveCredit({ customerId, orderId, amountCents: 1 }))).toMatchObject({
      code: 'CUSTOMER_NOT_FOUND',
    });
  });

  it('releases reserved credit, and never more than is reserved', () => {
    const given = [registered, CreditReserved({ customerId, orderId, amountCents: 30_00 })];
    const release = ReleaseCredit({ customerId, orderId, amountCents: 30_00 });
    expect(decide(given, release)).toEqual([CreditReleased(release.data)]);
    expect(refusal(given, ReleaseCredit({ customerId, orderId, amountCents: 30_01 }))).toMatchObject({
      code: 'CREDIT_NOT_RESERVED',
    });
  });

  it('tracks reserved credit through reservations and releases', () => {
    const state = foldEvents(customerDecider, [
      registered,
      CreditReserved({ customerId, orderId, amountCents: 30_00 }),
      CreditReserved({ customerId, orderId: OrderId.from('o-2'), amountCents: 20_00 }),
      CreditReleased({ customerId, orderId, amountCents: 30_00 }),
    ]);
    expect(state).toEqual({
      status: 'registered',
      customerId,
      name: 'Ada',
      creditLimitCents: 100_00,
      reservedCents: 20_00,
    });
  });
});
