import { expect, it } from 'vitest';
import { app } from './readme-taste.js';

it("the README's first example deposits into the tenant's account stream", async () => {
  const { events, version } = await app.store.events.readStream('account-a-1', { tenantId: 'acme' });
  expect(version).toBe(1);
  expect(events.map((e) => ({ type: e.type, data: e.data }))).toEqual([
    { type: 'Deposited', data: { amount: 10 } },
  ]);
});
