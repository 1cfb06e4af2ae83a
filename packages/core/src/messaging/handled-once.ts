/**
 * A delivered message runs once per inbox group: its handlers' effects and its inbox record
 * commit together. The record is written after the handlers, not before: on PostgreSQL a
 * transaction takes its id at its first write, and an append from a transaction whose id is
 * older than events appended to the stream while it waited for it is refused (so readers see
 * every stream in version order). Written first, the record made any delivery that had to wait
 * for a busy stream (the last units of a product) fail, every attempt alike, until it was
 * dead-lettered. Two deliveries of one message at once may both run: the second's record waits
 * for the first's, finds it, and the second's work is rolled back.
 */
import type { StoreSession } from '../store/ports.js';

/** Another delivery of the message committed while this one ran: roll this one back. */
export class HandledMeanwhile extends Error {
  constructor(group: string, ids: readonly string[]) {
    super(`${ids.join(', ')} handled meanwhile by another delivery to ${group}`);
    this.name = 'HandledMeanwhile';
  }
}

/**
 * Runs `run` in `tx` unless `group` has handled message `id`, then records it handled.
 * Resolves false for a message handled already, before running anything.
 * @throws HandledMeanwhile when another delivery recorded it first: `tx` must roll back.
 * @example
 * const handled = await store.transaction((tx) => runOnce(tx, 'billing', envelope.id, () => receive(tx)));
 */
export async function runOnce(
  tx: StoreSession,
  group: string,
  id: string,
  run: () => Promise<unknown>,
): Promise<boolean> {
  if (await tx.inbox.has(group, id)) return false;
  await run();
  if (!(await tx.inbox.record(group, id))) throw new HandledMeanwhile(group, [id]);
  return true;
}

/**
 * The ids of `ids` that `group` has not handled, each once, in their order.
 * @example
 * const fresh = await unhandled(tx, 'billing', batch.map((item) => item.envelope.id));
 */
export async function unhandled(tx: StoreSession, group: string, ids: readonly string[]): Promise<string[]> {
  const distinct = [...new Set(ids)];
  const handled = await Promise.all(distinct.map((id) => tx.inbox.has(group, id)));
  return distinct.filter((_, i) => !handled[i]);
}

/**
 * Records `ids` (the messages just run) handled by `group`, in one statement.
 * @throws HandledMeanwhile when another delivery recorded any of them first: `tx` must roll back.
 */
export async function recordHandled(tx: StoreSession, group: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const recorded = await tx.inbox.recordMany(group, ids);
  const meanwhile = ids.filter((id) => !recorded.has(id));
  if (meanwhile.length > 0) throw new HandledMeanwhile(group, meanwhile);
}
