/** Dead letters in memory, in the order they were added (their ids are UUIDv7s). */
import { uuidv7 } from '../ids/uuidv7.js';
import { compareCodePoints } from '../store/document-query-eval.js';
import { checkDeadLetter, checkDeadLetterList, checkName } from '../store/port-input.js';
import type {
  DeadLetter,
  DeadLetterListOptions,
  DeadLetterStore,
  FailureInfo,
  NewDeadLetter,
} from '../store/ports.js';
import type { Access } from './access.js';
import type { DeadLetterRecord } from './state.js';

function toDeadLetter(id: string, record: DeadLetterRecord): DeadLetter {
  return {
    id,
    source: record.source,
    tenantId: record.tenantId,
    messageId: record.messageId,
    messageType: record.messageType,
    ...(record.position && { position: record.position }),
    payload: JSON.parse(record.payloadJson) as unknown,
    error: JSON.parse(record.errorJson) as FailureInfo,
    attempts: record.attempts,
    createdAt: new Date(record.createdAt),
  };
}

export class MemoryDeadLetters implements DeadLetterStore {
  constructor(readonly access: Access) {}

  async add(letter: NewDeadLetter): Promise<DeadLetter> {
    const { tenantId, payloadJson, errorJson } = checkDeadLetter(letter);
    const id = uuidv7();
    const record: DeadLetterRecord = {
      source: letter.source,
      tenantId,
      messageId: letter.messageId,
      messageType: letter.messageType,
      position: letter.position && { commit: letter.position.commit, position: letter.position.position },
      payloadJson,
      errorJson,
      attempts: letter.attempts,
      createdAt: Date.now(),
    };
    await this.access.write((draft) => draft.deadLetters.put(id, record));
    return toDeadLetter(id, record);
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    checkName(id, 'id', 'deadLetters.get');
    const record = this.access.read().deadLetters.get(id);
    return record && toDeadLetter(id, record);
  }

  async list(options: DeadLetterListOptions = {}): Promise<DeadLetter[]> {
    const { limit, source, tenantId, after } = checkDeadLetterList(options);
    return [...this.access.read().deadLetters.merged()]
      .filter(
        ([id, record]) =>
          (after === undefined || compareCodePoints(id, after) > 0) &&
          (source === undefined || record.source === source) &&
          (tenantId === undefined || record.tenantId === tenantId),
      )
      .toSorted(([a], [b]) => compareCodePoints(a, b))
      .slice(0, limit)
      .map(([id, record]) => toDeadLetter(id, record));
  }

  async delete(id: string): Promise<boolean> {
    checkName(id, 'id', 'deadLetters.delete');
    return this.access.write((draft) => {
      if (!draft.deadLetters.get(id)) return false;
      draft.deadLetters.put(id, null);
      return true;
    });
  }
}
