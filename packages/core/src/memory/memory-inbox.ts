/** The inbox in memory: (group, message id) → when it was handled. */
import { checkInboxKey, checkInboxKeys, checkPrune } from '../store/messaging-input.js';
import type { InboxStore } from '../store/ports.js';
import type { Access } from './access.js';
import { scopedKey } from './state.js';

export class MemoryInbox implements InboxStore {
  constructor(readonly access: Access) {}

  async record(group: string, messageId: string): Promise<boolean> {
    checkInboxKey(group, messageId, 'inbox.record');
    return this.access.write((draft) => {
      const key = scopedKey(group, messageId);
      if (draft.inbox.get(key) !== undefined) return false;
      draft.inbox.put(key, Date.now());
      return true;
    });
  }

  async recordMany(group: string, messageIds: readonly string[]): Promise<ReadonlySet<string>> {
    const ids = checkInboxKeys(group, messageIds, 'inbox.recordMany');
    return this.access.write((draft) => {
      const recorded = new Set<string>();
      for (const id of ids) {
        const key = scopedKey(group, id);
        if (draft.inbox.get(key) !== undefined) continue;
        draft.inbox.put(key, Date.now());
        recorded.add(id);
      }
      return recorded;
    });
  }

  async has(group: string, messageId: string): Promise<boolean> {
    checkInboxKey(group, messageId, 'inbox.has');
    return this.access.read().inbox.get(scopedKey(group, messageId)) !== undefined;
  }

  /** One transaction runs at a time here: nothing to wait for. */
  async claim(group: string, messageIds: readonly string[]): Promise<string[]> {
    const ids = checkInboxKeys(group, messageIds, 'inbox.claim');
    const inbox = this.access.read().inbox;
    return ids.filter((id) => inbox.get(scopedKey(group, id)) === undefined);
  }

  async prune(options: { readonly before: Date }): Promise<number> {
    const before = checkPrune(options);
    return this.access.write((draft) => {
      let pruned = 0;
      for (const [key, at] of draft.inbox.merged()) {
        if (at >= before) continue;
        draft.inbox.put(key, null);
        pruned++;
      }
      return pruned;
    });
  }
}
