import { expect, it } from 'vitest';
import { memoryStore, whizbang } from '@whizbang/core';
import { notesApp, PeekAt, peekAt, SaveNote, saveNote, tenancyTour } from './tenancy.js';

it('docs/tenancy.md: handlers see their tenant, a system handler crosses, no tenant is refused', async () => {
  const store = memoryStore();
  const seen = await tenancyTour(notesApp(store));
  expect(seen).toEqual([
    '{"text":"for acme"}',
    'null',
    'WHIZBANG_TENANT_REQUIRED SaveNote',
    '{"text":"for acme"}',
  ]);
  expect(await store.documents.get('notes', 'n-1', { tenantId: 'acme' })).toBeDefined();
  expect(await store.documents.get('notes', 'n-2')).toBeUndefined();
  expect(await store.documents.count('notes', { tenantId: 'acme' })).toBe(1);
});

it('docs/tenancy.md: a handler naming another tenant is refused', async () => {
  const store = memoryStore();
  const app = whizbang({ store, handlers: [saveNote, peekAt] });
  await app.send(SaveNote({ id: 'n-1', text: 'for globex' }), { tenantId: 'globex' });
  expect(await app.query(PeekAt({ id: 'n-1', tenantId: 'globex' }), { tenantId: 'acme' })).toBe(
    'WHIZBANG_CROSS_TENANT: acme may not run documents.get on globex',
  );
  expect(await app.query(PeekAt({ id: 'n-1', tenantId: 'globex' }), { tenantId: 'globex' })).toEqual({
    text: 'for globex',
  });
});
