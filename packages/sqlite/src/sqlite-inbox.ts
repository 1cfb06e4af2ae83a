/** The inbox on SQLite: one row per (group, message id) handled. */
import type { InboxStore } from '@whizbang/core';
import { checkInboxKey, checkInboxKeys, checkPrune } from '@whizbang/core/driver';
import type { Executor } from './executor.js';

export class SqliteInbox implements InboxStore {
  constructor(readonly executor: Executor) {}

  async record(group: string, messageId: string): Promise<boolean> {
    checkInboxKey(group, messageId, 'inbox.record');
    const { changes } = await this.executor.write(({ db }) =>
      this.executor.connections
        .statement(
          db,
          'INSERT INTO inbox (group_name, message_id, handled_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
        )
        .run(group, messageId, Date.now()),
    );
    return Number(changes) === 1;
  }

  async recordMany(group: string, messageIds: readonly string[]): Promise<ReadonlySet<string>> {
    const ids = checkInboxKeys(group, messageIds, 'inbox.recordMany');
    return this.executor.write(({ db }) => {
      const insert = this.executor.connections.statement(
        db,
        'INSERT INTO inbox (group_name, message_id, handled_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      );
      const now = Date.now();
      const recorded = new Set<string>();
      for (const id of ids) if (Number(insert.run(group, id, now).changes) === 1) recorded.add(id);
      return recorded;
    });
  }

  async has(group: string, messageId: string): Promise<boolean> {
    checkInboxKey(group, messageId, 'inbox.has');
    const row = await this.executor.read((db) =>
      this.executor.connections
        .statement(db, 'SELECT 1 AS found FROM inbox WHERE group_name = ? AND message_id = ?')
        .get(group, messageId),
    );
    return row !== undefined;
  }

  /** One write transaction runs at a time on SQLite: nothing to wait for. */
  async claim(group: string, messageIds: readonly string[]): Promise<string[]> {
    const ids = checkInboxKeys(group, messageIds, 'inbox.claim');
    return this.executor.read((db) => {
      const handled = this.executor.connections.statement(
        db,
        'SELECT 1 AS found FROM inbox WHERE group_name = ? AND message_id = ?',
      );
      return ids.filter((id) => handled.get(group, id) === undefined);
    });
  }

  async prune(options: { readonly before: Date }): Promise<number> {
    const before = checkPrune(options);
    const { changes } = await this.executor.write(({ db }) =>
      this.executor.connections.statement(db, 'DELETE FROM inbox WHERE handled_at < ?').run(before),
    );
    return Number(changes);
  }
}
