/**
 * The customer aggregate: a credit limit, and credit reserved by open orders. Reserved credit
 * never exceeds the limit and never drops below zero.
 */
import type { Decider } from '@whizbang/core';
import {
  CreditReleased,
  CreditReserved,
  CustomerRegistered,
  type CustomerCommand,
  type CustomerEvent,
} from './customer-messages.js';
import type { CustomerId } from './ids.js';
import { formatCents, isPositiveCents, type Cents } from './money.js';
import { RuleViolation } from './rule-violation.js';
import { unreachable } from './unreachable.js';

export type CustomerRule =
  | 'CUSTOMER_NOT_FOUND'
  | 'CUSTOMER_ALREADY_REGISTERED'
  | 'CUSTOMER_NAME_REQUIRED'
  | 'INVALID_CREDIT_LIMIT'
  | 'INVALID_AMOUNT'
  | 'CREDIT_LIMIT_EXCEEDED'
  | 'CREDIT_NOT_RESERVED';

export class CustomerRuleViolation extends RuleViolation<CustomerRule> {
  readonly aggregate = 'customer' as const;
}

export type CustomerState =
  | { readonly status: 'unknown' }
  | {
      readonly status: 'registered';
      readonly customerId: CustomerId;
      readonly name: string;
      readonly creditLimitCents: Cents;
      readonly reservedCents: Cents;
    };

type Registered = Extract<CustomerState, { status: 'registered' }>;

function registered(state: CustomerState, customerId: CustomerId): Registered {
  if (state.status !== 'registered')
    throw new CustomerRuleViolation('CUSTOMER_NOT_FOUND', `Customer ${customerId} is not registered`, {
      customerId,
    });
  return state;
}

function checkAmount(amountCents: Cents): void {
  if (!isPositiveCents(amountCents))
    throw new CustomerRuleViolation('INVALID_AMOUNT', 'An amount must be a positive whole number of cents', {
      amountCents,
    });
}

export const customerDecider: Decider<CustomerCommand, CustomerEvent, CustomerState> = {
  initialState: () => ({ status: 'unknown' }),

  decide(command, state) {
    switch (command.type) {
      case 'RegisterCustomer': {
        const { customerId, name, creditLimitCents } = command.data;
        if (state.status !== 'unknown')
          throw new CustomerRuleViolation(
            'CUSTOMER_ALREADY_REGISTERED',
            `Customer ${customerId} is already registered`,
            { customerId },
          );
        if (name.trim() === '')
          throw new CustomerRuleViolation('CUSTOMER_NAME_REQUIRED', 'A customer needs a name', {
            customerId,
          });
        if (!Number.isSafeInteger(creditLimitCents) || creditLimitCents < 0)
          throw new CustomerRuleViolation(
            'INVALID_CREDIT_LIMIT',
            'A credit limit is a whole number of cents, zero or more',
            { customerId, creditLimitCents },
          );
        return [CustomerRegistered({ customerId, name: name.trim(), creditLimitCents })];
      }
      case 'ReserveCredit': {
        const { customerId, orderId, amountCents } = command.data;
        const customer = registered(state, customerId);
        checkAmount(amountCents);
        const availableCents = customer.creditLimitCents - customer.reservedCents;
        if (amountCents > availableCents)
          throw new CustomerRuleViolation(
            'CREDIT_LIMIT_EXCEEDED',
            `Order total ${formatCents(amountCents)} exceeds the available credit ${formatCents(availableCents)}`,
            { customerId, orderId, requestedCents: amountCents, availableCents },
          );
        return [CreditReserved({ customerId, orderId, amountCents })];
      }
      case 'ReleaseCredit': {
        const { customerId, orderId, amountCents } = command.data;
        const customer = registered(state, customerId);
        checkAmount(amountCents);
        if (amountCents > customer.reservedCents)
          throw new CustomerRuleViolation(
            'CREDIT_NOT_RESERVED',
            `Cannot release ${formatCents(amountCents)}: only ${formatCents(customer.reservedCents)} is reserved`,
            { customerId, orderId, amountCents, reservedCents: customer.reservedCents },
          );
        return [CreditReleased({ customerId, orderId, amountCents })];
      }
      default:
        return unreachable(command);
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'CustomerRegistered':
        return { status: 'registered', ...event.data, reservedCents: 0 };
      case 'CreditReserved':
        return state.status === 'registered'
          ? { ...state, reservedCents: state.reservedCents + event.data.amountCents }
          : state;
      case 'CreditReleased':
        return state.status === 'registered'
          ? { ...state, reservedCents: state.reservedCents - event.data.amountCents }
          : state;
      default:
        return unreachable(event);
    }
  },
};
