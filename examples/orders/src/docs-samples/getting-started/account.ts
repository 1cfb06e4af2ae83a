// The decider of docs/getting-started.md.
// #region decider
import type { Decider } from '@whizbang/core';
import {
  AccountOpened,
  MoneyDeposited,
  MoneyWithdrawn,
  type AccountCommand,
  type AccountEvent,
} from './account-messages.js';

export type AccountState = { status: 'none' } | { status: 'open'; owner: string; balance: number };

/** A refused command: a stable code to switch on, and a message for people. */
export class AccountRuleViolation extends Error {
  readonly code: 'ACCOUNT_EXISTS' | 'ACCOUNT_NOT_OPEN' | 'INVALID_AMOUNT' | 'INSUFFICIENT_FUNDS';
  constructor(code: AccountRuleViolation['code'], message: string) {
    super(message);
    this.name = 'AccountRuleViolation';
    this.code = code;
  }
}

export const account: Decider<AccountCommand, AccountEvent, AccountState> = {
  initialState: () => ({ status: 'none' }),

  // decide: given the current state, which events does this command cause? Throw to refuse.
  decide(command, state) {
    if (command.type === 'OpenAccount') {
      if (state.status !== 'none') throw new AccountRuleViolation('ACCOUNT_EXISTS', 'Already open');
      return [AccountOpened(command.data)];
    }
    if (state.status !== 'open') throw new AccountRuleViolation('ACCOUNT_NOT_OPEN', 'Open the account first');
    const { amount } = command.data;
    if (!(amount > 0)) throw new AccountRuleViolation('INVALID_AMOUNT', 'Amounts must be positive');
    if (command.type === 'Deposit') return [MoneyDeposited({ amount })];
    if (amount > state.balance)
      throw new AccountRuleViolation('INSUFFICIENT_FUNDS', `Only ${state.balance} available`);
    return [MoneyWithdrawn({ amount })];
  },

  // evolve: how an event changes the state. Pure, and never refuses: the event already happened.
  evolve(state, event) {
    switch (event.type) {
      case 'AccountOpened':
        return { status: 'open', owner: event.data.owner, balance: 0 };
      case 'MoneyDeposited':
        return state.status === 'open' ? { ...state, balance: state.balance + event.data.amount } : state;
      case 'MoneyWithdrawn':
        return state.status === 'open' ? { ...state, balance: state.balance - event.data.amount } : state;
      default:
        return state; // an event type this code does not know changes nothing
    }
  },
};
// #endregion
