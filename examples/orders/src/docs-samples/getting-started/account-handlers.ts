// The handlers of docs/getting-started.md.
// #region handlers
import { aggregateStream, handle, handleCommand } from '@whizbang/core';
import { GetBalance, Deposit, OpenAccount, Withdraw } from './account-messages.js';
import { account } from './account.js';

// One stream per account. handleCommand loads it, runs decide, and appends the new events,
// expecting the version it loaded (and retrying if another writer got there first).
const stream = (accountId: string) => `account-${accountId}`;

export const accountHandlers = [
  handle(OpenAccount, async (command, ctx) => {
    await handleCommand(ctx, stream(command.data.accountId), account, command);
  }),
  handle(Deposit, async (command, ctx) => {
    await handleCommand(ctx, stream(command.data.accountId), account, command);
  }),
  handle(Withdraw, async (command, ctx) => {
    await handleCommand(ctx, stream(command.data.accountId), account, command);
  }),
  // A query folds the stream into the current state.
  handle(GetBalance, async (query, ctx) => {
    const { state } = await aggregateStream(ctx, stream(query.data.accountId), account);
    return state.status === 'open' ? { owner: state.owner, balance: state.balance } : null;
  }),
];
// #endregion
