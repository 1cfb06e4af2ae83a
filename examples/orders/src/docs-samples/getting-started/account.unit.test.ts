// The "test it" step of docs/getting-started.md.
// #region test
import { foldEvents, memoryStore, whizbang } from '@whizbang/core';
import { describe, expect, it } from 'vitest';
import { accountHandlers } from './account-handlers.js';
import {
  AccountOpened,
  Deposit,
  GetBalance,
  MoneyDeposited,
  OpenAccount,
  Withdraw,
} from './account-messages.js';
import { account } from './account.js';

describe('account', () => {
  // A decider is plain functions: given past events, when a command, then new events (or a refusal).
  it('withdraws what the balance allows, and refuses more', () => {
    const state = foldEvents(account, [
      AccountOpened({ accountId: 'a-1', owner: 'Ada' }),
      MoneyDeposited({ amount: 50 }),
    ]);
    expect(account.decide(Withdraw({ accountId: 'a-1', amount: 50 }), state)).toEqual([
      { type: 'MoneyWithdrawn', data: { amount: 50 } },
    ]);
    expect(() => account.decide(Withdraw({ accountId: 'a-1', amount: 51 }), state)).toThrow(
      'Only 50 available',
    );
  });

  // The whole path, through the mediator and the in-memory store.
  it('keeps a balance', async () => {
    const app = whizbang({ store: memoryStore(), handlers: accountHandlers });
    await app.send(OpenAccount({ accountId: 'a-1', owner: 'Ada' }));
    await app.send(Deposit({ accountId: 'a-1', amount: 100 }));
    await expect(app.send(Withdraw({ accountId: 'a-1', amount: 500 }))).rejects.toMatchObject({
      code: 'INSUFFICIENT_FUNDS',
    });
    expect(await app.query(GetBalance({ accountId: 'a-1' }))).toEqual({ owner: 'Ada', balance: 100 });
  });
});
// #endregion

describe('the getting-started main', () => {
  it('ends with the balance the guide promises', async () => {
    const { balance } = await import('./main.js');
    expect(balance).toEqual({ owner: 'Ada', balance: 70 });
  });
});
