import {
  isForbiddenError,
  isUnauthenticatedError,
  memoryStore,
  type AuthorizationDenial,
} from '@whizbang/core';
import { expect, it } from 'vitest';
import { cancelAs, PlaceOrder, RefundOrder, shop } from './security.js';

it('docs/security.md samples run', async () => {
  const denials: AuthorizationDenial[] = [];
  const store = memoryStore();
  const app = shop(store, (denial) => void denials.push(denial));
  const alice = { id: 'alice', roles: ['customer'] };

  await app.send(PlaceOrder({ orderId: 'o-1', total: 30 }), { principal: alice });
  await expect(app.send(PlaceOrder({ orderId: 'o-2', total: 1 }))).rejects.toSatisfy(isUnauthenticatedError);
  const suspended = { id: 'mallory', roles: ['admin'], attributes: { suspended: true } };
  await expect(
    app.send(PlaceOrder({ orderId: 'o-3', total: 1 }), { principal: suspended }),
  ).rejects.toMatchObject({
    policy: 'not suspended',
  });

  expect(await cancelAs(app, 'bob', 'o-1')).toBe('403: only the customer who placed the order may cancel it');
  expect(await store.documents.get('orders', 'o-1')).toBeDefined();
  expect(await cancelAs(app, 'alice', 'o-1')).toBe('cancelled');
  expect(await store.documents.get('orders', 'o-1')).toBeUndefined();
  expect(await cancelAs(app, 'alice', 'o-1')).toBe('403: no such order');

  const clerk = app.send(RefundOrder({ orderId: 'o-1' }), { principal: { id: 'carol', roles: ['clerk'] } });
  await expect(clerk).rejects.toMatchObject({ policy: 'requireRole(manager, admin)' });
  // The manager's refund depends on the hour in Paris right now.
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: 'Europe/Paris',
    weekday: 'short',
    hour: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date());
  const hour = Number(parts.find((p) => p.type === 'hour')?.value);
  const day = parts.find((p) => p.type === 'weekday')?.value ?? '';
  const open = hour >= 9 && hour < 17 && !['Sat', 'Sun'].includes(day);
  const manager = app
    .send(RefundOrder({ orderId: 'o-1' }), { principal: { id: 'dave', roles: ['manager'] } })
    .then(
      () => 'refunded',
      (error: unknown) => (isForbiddenError(error) ? error.policy : error),
    );
  expect(await manager).toBe(open ? 'refunded' : 'withinHours(09:00–17:00 Europe/Paris)');

  expect(denials.map((d) => [d.principalId, d.messageType, d.policy ?? d.permission])).toEqual([
    [undefined, 'PlaceOrder', undefined],
    ['mallory', 'PlaceOrder', 'not suspended'],
    ['bob', 'CancelOrder', 'owner of the order'],
    ['alice', 'CancelOrder', 'owner of the order'],
    ['carol', 'RefundOrder', 'requireRole(manager, admin)'],
    ...(open ? [] : [['dave', 'RefundOrder', 'withinHours(09:00–17:00 Europe/Paris)']]),
  ]);
});
