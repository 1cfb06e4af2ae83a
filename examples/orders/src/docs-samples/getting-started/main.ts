// The "run it" step of docs/getting-started.md.
// #region run
import { memoryStore, whizbang } from '@whizbang/core';
import { accountHandlers } from './account-handlers.js';
import { Deposit, GetBalance, OpenAccount, Withdraw } from './account-messages.js';

const app = whizbang({ store: memoryStore(), handlers: accountHandlers });

await app.send(OpenAccount({ accountId: 'a-1', owner: 'Ada' }));
await app.send(Deposit({ accountId: 'a-1', amount: 100 }));
await app.send(Withdraw({ accountId: 'a-1', amount: 30 }));

const balance = await app.query(GetBalance({ accountId: 'a-1' }));
// balance is { owner: 'Ada', balance: 70 }
// #endregion

export { app, balance };
