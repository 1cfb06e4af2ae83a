/**
 * The inbox on PostgreSQL. Two consumers recording the same message at once: the second
 * insert waits on the first's uncommitted row and then sees it, so exactly one proceeds.
 */
import type { InboxStore } from '@whizbang/core';
import { checkInboxKey, checkInboxKeys, checkPrune } from '@whizbang/core/driver';
import { PREPARED, type Executor } from './executor.js';

export class PostgresInbox implements InboxStore {
  constructor(readonly executor: Executor) {}

  get #s(): string {
    return this.executor.db.s;
  }

  async record(group: string, messageId: string): Promise<boolean> {
    checkInboxKey(group, messageId, 'inbox.record');
    const { rowCount } = await this.executor.query(
      `INSERT INTO ${this.#s}.inbox (group_name, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      [group, messageId],
      PREPARED,
    );
    return rowCount === 1;
  }

  async recordMany(group: string, messageIds: readonly string[]): Promise<ReadonlySet<string>> {
    const ids = checkInboxKeys(group, messageIds, 'inbox.recordMany');
    if (ids.length === 0) return new Set();
    const { rows } = await this.executor.query(
      `INSERT INTO ${this.#s}.inbox (group_name, message_id) SELECT $1, id FROM unnest($2::text[]) AS id
       ON CONFLICT DO NOTHING RETURNING message_id`,
      [group, ids],
      PREPARED,
    );
    return new Set((rows as { message_id: string }[]).map((row) => row.message_id));
  }

  async has(group: string, messageId: string): Promise<boolean> {
    checkInboxKey(group, messageId, 'inbox.has');
    const { rows } = await this.executor.query(
      `SELECT 1 FROM ${this.#s}.inbox WHERE group_name = $1 AND message_id = $2`,
      [group, messageId],
      PREPARED,
    );
    return rows.length === 1;
  }

  async prune(options: { readonly before: Date }): Promise<number> {
    const before = checkPrune(options);
    const { rowCount } = await this.executor.query(
      `DELETE FROM ${this.#s}.inbox WHERE handled_at < to_timestamp($1 / 1000.0)`,
      [before],
    );
    return rowCount ?? 0;
  }
}
