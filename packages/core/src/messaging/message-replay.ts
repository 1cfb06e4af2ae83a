/**
 * Replaying a dead-lettered message after the fault is fixed: its handlers run and the dead
 * letter is deleted in one transaction, so it takes effect exactly once even if two operators
 * replay it at the same time. (Its inbox record was written when it was parked, so the
 * transport redelivering it cannot run it a second time.)
 */
import { StateError, ValidationError } from '../errors/catalog.js';
import type { Store } from '../store/ports.js';
import { decodeEnvelope } from './envelope-codec.js';
import type { ParkedMessage, Receiver } from './message-consumer.js';

export const MESSAGE_SOURCE_PREFIX = 'messages/';

export async function replayMessage(store: Store, receiver: Receiver, id: string): Promise<void> {
  await store.transaction(async (tx) => {
    const letter = await tx.deadLetters.get(id);
    if (!letter) throw new StateError(`Dead letter '${id}' does not exist: replayed or discarded already`);
    if (!letter.source.startsWith(MESSAGE_SOURCE_PREFIX))
      throw new ValidationError(
        [{ message: `belongs to '${letter.source}', which is not a message consumer`, path: ['id'] }],
        'replayMessage',
      );
    if (!(await tx.deadLetters.delete(id)))
      throw new StateError(`Dead letter '${id}' was replayed by someone else meanwhile`);
    const { kind, envelope } = decodeEnvelope((letter.payload as ParkedMessage).message);
    await receiver.receive(kind, envelope, tx);
  });
}
