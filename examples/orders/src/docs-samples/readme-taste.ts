// The README's first example, kept here so it compiles and runs in the test suite.
// #region taste
import {
  defineCommand,
  defineEvent,
  handle,
  handleCommand,
  memoryStore,
  type,
  whizbang,
} from '@whizbang/core';
import type { Decider, MessageOf } from '@whizbang/core';

const Deposit = defineCommand('Deposit', { data: type<{ account: string; amount: number }>() });
const Deposited = defineEvent('Deposited', { data: type<{ amount: number }>() });

const account: Decider<MessageOf<typeof Deposit>, MessageOf<typeof Deposited>, { balance: number }> = {
  initialState: () => ({ balance: 0 }),
  decide: (command) => [Deposited({ amount: command.data.amount })],
  evolve: (state, event) => ({ balance: state.balance + event.data.amount }),
};

export const app = whizbang({
  store: memoryStore(),
  handlers: [
    handle(Deposit, (command, ctx) =>
      handleCommand(ctx, `account-${command.data.account}`, account, command),
    ),
  ],
});

await app.send(Deposit({ account: 'a-1', amount: 10 }), { tenantId: 'acme' });
// #endregion
