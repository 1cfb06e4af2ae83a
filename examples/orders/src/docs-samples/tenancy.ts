/** Samples for docs/tenancy.md; tenancy.unit.test.ts runs them. */
import {
  defineCommand,
  defineQuery,
  handle,
  isCrossTenantAccessError,
  isTenantRequiredError,
  type,
  whizbang,
  type Store,
  type WhizbangApp,
} from '@whizbang/core';

export const SaveNote = defineCommand('SaveNote', { data: type<{ id: string; text: string }>() });
export const GetNote = defineQuery('GetNote', {
  data: type<{ id: string }>(),
  result: type<{ text: string } | null>(),
});
export const CopyNote = defineCommand('CopyNote', {
  data: type<{ id: string; from: string; to: string }>(),
});

// #region handlers
// No tenant anywhere: ctx.store is the view of the message's tenant.
export const saveNote = handle(SaveNote, async (command, ctx) => {
  await ctx.store.documents.put('notes', command.data.id, { text: command.data.text });
});
export const getNote = handle(GetNote, async (query, ctx) => {
  const found = await ctx.store.documents.get<{ text: string }>('notes', query.data.id);
  return found?.data ?? null;
});
// #endregion

// #region system
// An operator's tool that moves data between tenants: it must say that it runs as system.
export const copyNote = handle(
  CopyNote,
  async (command, ctx) => {
    const { id, from, to } = command.data;
    const found = await ctx.store.documents.get('notes', id, { tenantId: from });
    if (found) await ctx.store.documents.put('notes', id, found.data, { tenantId: to });
  },
  { system: true },
);
// #endregion

// #region required
export function notesApp(store: Store): WhizbangApp {
  return whizbang({
    store,
    handlers: [saveNote, getNote, copyNote],
    // Every message needs a tenant, but those only system handlers take (CopyNote here).
    tenancy: { required: true },
  });
}
// #endregion

/** What a caller sees for each case; the test checks it. */
export async function tenancyTour(app: WhizbangApp): Promise<string[]> {
  const seen: string[] = [];
  // #region dispatch
  await app.send(SaveNote({ id: 'n-1', text: 'for acme' }), { tenantId: 'acme' });
  await app.query(GetNote({ id: 'n-1' }), { tenantId: 'acme' }); // { text: 'for acme' }
  await app.query(GetNote({ id: 'n-1' }), { tenantId: 'globex' }); // null: another tenant's
  // #endregion
  seen.push(JSON.stringify(await app.query(GetNote({ id: 'n-1' }), { tenantId: 'acme' })));
  seen.push(JSON.stringify(await app.query(GetNote({ id: 'n-1' }), { tenantId: 'globex' })));
  // #region refusals
  try {
    await app.send(SaveNote({ id: 'n-2', text: 'whose?' })); // no tenant
  } catch (error) {
    if (!isTenantRequiredError(error)) throw error;
    seen.push(`${error.code} ${error.messageType}`); // nothing was written
  }
  // #endregion
  await app.send(CopyNote({ id: 'n-1', from: 'acme', to: 'globex' }));
  seen.push(JSON.stringify(await app.query(GetNote({ id: 'n-1' }), { tenantId: 'globex' })));
  return seen;
}

// #region cross-tenant
export const PeekAt = defineQuery('PeekAt', {
  data: type<{ id: string; tenantId: string }>(),
  result: type<unknown>(),
});
// Not system: naming another tenant than the message's throws CrossTenantAccessError.
export const peekAt = handle(PeekAt, async (query, ctx) => {
  const { id, tenantId } = query.data;
  try {
    return (await ctx.store.documents.get('notes', id, { tenantId }))?.data;
  } catch (error) {
    if (!isCrossTenantAccessError(error)) throw error;
    return `${error.code}: ${error.tenantId} may not run ${error.operation} on ${error.requestedTenantId}`;
  }
});
// #endregion
