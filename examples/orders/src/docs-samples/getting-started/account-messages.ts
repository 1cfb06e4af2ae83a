// The messages of docs/getting-started.md. Regions between the markers are copied into the
// guide, and doc-regions.unit.test.ts fails when the two differ.
// #region messages
import { defineCommand, defineEvent, defineQuery, type, type MessageOf } from '@whizbang/core';

// Commands: what a caller asks for.
export const OpenAccount = defineCommand('OpenAccount', {
  data: type<{ accountId: string; owner: string }>(),
});
export const Deposit = defineCommand('Deposit', { data: type<{ accountId: string; amount: number }>() });
export const Withdraw = defineCommand('Withdraw', { data: type<{ accountId: string; amount: number }>() });

// Events: what happened. They are stored, in order, in the account's stream.
export const AccountOpened = defineEvent('AccountOpened', {
  data: type<{ accountId: string; owner: string }>(),
});
export const MoneyDeposited = defineEvent('MoneyDeposited', { data: type<{ amount: number }>() });
export const MoneyWithdrawn = defineEvent('MoneyWithdrawn', { data: type<{ amount: number }>() });

// A query: a question with a typed answer.
export const GetBalance = defineQuery('GetBalance', {
  data: type<{ accountId: string }>(),
  result: type<{ owner: string; balance: number } | null>(),
});

export type AccountCommand =
  MessageOf<typeof OpenAccount> | MessageOf<typeof Deposit> | MessageOf<typeof Withdraw>;
export type AccountEvent =
  MessageOf<typeof AccountOpened> | MessageOf<typeof MoneyDeposited> | MessageOf<typeof MoneyWithdrawn>;
// #endregion
