/**
 * A delivered message runs once per inbox group: its handlers' effects and its inbox record
 * commit together. The message is claimed first (`inbox.claim`: another delivery of it waits
 * until this one ends, and then finds it handled) and recorded after the handlers: on
 * PostgreSQL a transaction takes its id at its first write, and an append from a transaction
 * whose id is older than events appended to the stream while it waited for it is refused (so
 * readers see every stream in version order). Written first, the record made any delivery that
 * had to wait for a busy stream (the last units of a product) fail, every attempt alike, until
 * it was dead-lettered; a claim writes nothing.
 */
import type { StoreSession } from '../store/ports.js';

/**
 * Another delivery of the message committed while this one ran (one that recorded it without
 * claiming it, as parking a dead letter does): roll this one back.
 */
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
  if ((await tx.inbox.claim(group, [id])).length === 0) return false;
  await run();
  if (!(await tx.inbox.record(group, id))) throw new HandledMeanwhile(group, [id]);
  return true;
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
