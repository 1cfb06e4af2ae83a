/**
 * The inbox on PostgreSQL. Two consumers recording the same message at once: the second
 * insert waits on the first's uncommitted row and then sees it, so exactly one proceeds. A
 * consumer claims a message (an advisory lock per message) before it runs the handlers and
 * records it after them.
 */
import type { InboxStore } from '@whizbang/core';
import { checkInboxKey, checkInboxKeys, checkPrune } from '@whizbang/core/driver';
import { PREPARED, type Executor } from './executor.js';

/** The hash seed of message locks: stream locks use 0, so the two never share a key by design. */
const INBOX_LOCK_SEED = 7;

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

  async claim(group: string, messageIds: readonly string[]): Promise<string[]> {
    const ids = checkInboxKeys(group, messageIds, 'inbox.claim');
    if (ids.length === 0) return [];
    // Advisory locks take no transaction id (a write would); in key order, so two claimers of
    // overlapping messages cannot deadlock. The read is a statement of its own, whose snapshot
    // is taken once the locks are held: it sees what an earlier claimer committed.
    // Sent together: on a pipelined connection, one round trip.
    const locked = this.executor.query(
      `SELECT pg_advisory_xact_lock(k) FROM (
         SELECT DISTINCT hashtextextended($1 || chr(31) || id, ${INBOX_LOCK_SEED}) AS k
           FROM unnest($2::text[]) AS id ORDER BY k
       ) AS keys`,
      [group, ids],
      PREPARED,
    );
    const unhandled = this.executor.query(
      `SELECT id FROM unnest($2::text[]) WITH ORDINALITY AS m(id, n)
        WHERE NOT EXISTS (SELECT 1 FROM ${this.#s}.inbox i WHERE i.group_name = $1 AND i.message_id = m.id)
        ORDER BY n`,
      [group, ids],
      PREPARED,
    );
    const [, { rows }] = await Promise.all([locked, unhandled]);
    return (rows as { id: string }[]).map((row) => row.id);
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
