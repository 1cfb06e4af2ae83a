/** A small service for the edge's tests: accounts opened, renamed (with If-Match) and read. */
import { z } from 'zod';
import {
  defineCommand,
  defineEvent,
  defineQuery,
  handle,
  type,
  whizbang,
  type Store,
  type WhizbangOptions,
} from '@whizbang/core';

const AccountId = z.string().regex(/^[a-z0-9-]{1,40}$/);

export const OpenAccount = defineCommand('OpenAccount', {
  schema: z.strictObject({ accountId: AccountId, owner: z.string().min(1).max(100) }),
  result: type<{ accountId: string; version: number }>(),
});
export const RenameAccount = defineCommand('RenameAccount', {
  schema: z.strictObject({
    accountId: AccountId,
    owner: z.string().min(1).max(100),
    expectedVersion: z.number().int().positive().optional(),
  }),
  result: type<{ version: number }>(),
});
export const GetAccount = defineQuery('GetAccount', {
  schema: z.strictObject({ accountId: AccountId }),
  result: type<{ accountId: string; owner: string; version: number } | null>(),
});

const Opened = defineEvent('AccountOpened', { data: type<{ owner: string }>() });
const Renamed = defineEvent('AccountRenamed', { data: type<{ owner: string }>() });

export function accountsApp(store: Store, options: Omit<WhizbangOptions, 'store'> = {}) {
  return whizbang({
    ...options,
    store,
    handlers: [
      handle(OpenAccount, async ({ data }, ctx) => {
        const { nextExpectedVersion } = await ctx.store.events.appendToStream(
          `account-${data.accountId}`,
          [Opened({ owner: data.owner })],
          { expectedVersion: 'no_stream', ...(ctx.tenantId !== undefined && { tenantId: ctx.tenantId }) },
        );
        return { accountId: data.accountId, version: nextExpectedVersion };
      }),
      handle(RenameAccount, async ({ data }, ctx) => {
        const { nextExpectedVersion } = await ctx.store.events.appendToStream(
          `account-${data.accountId}`,
          [Renamed({ owner: data.owner })],
          {
            expectedVersion: data.expectedVersion ?? 'stream_exists',
            ...(ctx.tenantId !== undefined && { tenantId: ctx.tenantId }),
          },
        );
        return { version: nextExpectedVersion };
      }),
      handle(GetAccount, async ({ data }, ctx) => {
        const slice = await ctx.store.events.readStream(`account-${data.accountId}`, {
          ...(ctx.tenantId !== undefined && { tenantId: ctx.tenantId }),
        });
        if (slice.events.length === 0) return null;
        const owner = (slice.events.at(-1)!.data as { owner: string }).owner;
        return { accountId: data.accountId, owner, version: slice.version };
      }),
    ],
  });
}
