/**
 * The outbox on SQLite. Claims are writes, and SQLite has one writer at a time, so two relays
 * can never claim the same message; a claim holds until `claimed_until` (milliseconds).
 */
import type {
  NewOutboxMessage,
  OutboxBacklog,
  OutboxClaimOptions,
  OutboxMessage,
  OutboxStore,
} from '@whizbang/core';
import {
  checkClaim,
  checkLimit,
  checkName,
  checkOutboxMessages,
  checkOwnedIds,
  checkRelease,
} from '@whizbang/core/driver';
import type { Executor } from './executor.js';

interface OutboxRow {
  seq: bigint;
  id: string;
  destination: string;
  type: string;
  body: string;
  headers: string;
  msg_key: string | null;
  tenant_id: string;
  deliver_at: bigint;
  created_at: bigint;
  attempts: bigint;
  last_error: string | null;
}

const COLUMNS =
  'seq, id, destination, type, body, headers, msg_key, tenant_id, deliver_at, created_at, attempts, last_error';

function toMessage(row: OutboxRow): OutboxMessage {
  return {
    id: row.id,
    destination: row.destination,
    type: row.type,
    body: row.body,
    headers: JSON.parse(row.headers) as Record<string, string>,
    ...(row.msg_key !== null && { key: row.msg_key }),
    tenantId: row.tenant_id,
    deliverAt: new Date(Number(row.deliver_at)),
    createdAt: new Date(Number(row.created_at)),
    attempts: Number(row.attempts),
    ...(row.last_error !== null && { lastError: row.last_error }),
  };
}

export class SqliteOutbox implements OutboxStore {
  constructor(readonly executor: Executor) {}

  async add(messages: readonly NewOutboxMessage[]): Promise<void> {
    const checked = checkOutboxMessages(messages);
    if (checked.length === 0) return;
    const now = Date.now();
    await this.executor.write(({ db }) => {
      const insert = this.executor.connections.statement(
        db,
        `INSERT INTO outbox (id, destination, type, body, headers, msg_key, tenant_id, deliver_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      );
      for (const m of checked)
        insert.run(
          m.id,
          m.destination,
          m.type,
          m.body,
          m.headersJson,
          m.key ?? null,
          m.tenantId,
          m.deliverAt ?? now,
          now,
        );
    });
  }

  async claim(owner: string, options: OutboxClaimOptions): Promise<OutboxMessage[]> {
    const { limit, leaseMs } = checkClaim(owner, options);
    const now = Date.now();
    const rows = await this.executor.write(
      ({ db }) =>
        this.executor.connections
          .statement(
            db,
            `UPDATE outbox SET claimed_by = ?, claimed_until = ?
              WHERE seq IN (SELECT seq FROM outbox WHERE deliver_at <= ? AND claimed_until <= ? ORDER BY deliver_at, seq LIMIT ?)
              RETURNING ${COLUMNS}`,
          )
          .all(owner, now + leaseMs, now, now, limit) as unknown as OutboxRow[],
    );
    // RETURNING does not promise an order.
    return rows
      .toSorted((a, b) => Number(a.deliver_at - b.deliver_at) || Number(a.seq - b.seq))
      .map(toMessage);
  }

  async complete(owner: string, ids: readonly string[]): Promise<number> {
    checkOwnedIds(owner, ids, 'outbox.complete');
    if (ids.length === 0) return 0;
    const now = Date.now();
    const { changes } = await this.executor.write(({ db }) =>
      this.executor.connections
        .statement(
          db,
          `DELETE FROM outbox WHERE id IN (SELECT value FROM json_each(?)) AND claimed_by = ? AND claimed_until > ?`,
        )
        .run(JSON.stringify(ids), owner, now),
    );
    return Number(changes);
  }

  async release(
    owner: string,
    ids: readonly string[],
    options: { readonly retryAt: Date; readonly error: string },
  ): Promise<number> {
    checkOwnedIds(owner, ids, 'outbox.release');
    const { retryAt, error } = checkRelease(options);
    if (ids.length === 0) return 0;
    const now = Date.now();
    const { changes } = await this.executor.write(({ db }) =>
      this.executor.connections
        .statement(
          db,
          `UPDATE outbox SET deliver_at = ?, attempts = attempts + 1, last_error = ?, claimed_by = NULL, claimed_until = 0
            WHERE id IN (SELECT value FROM json_each(?)) AND claimed_by = ? AND claimed_until > ?`,
        )
        .run(retryAt, error, JSON.stringify(ids), owner, now),
    );
    return Number(changes);
  }

  async cancel(id: string): Promise<boolean> {
    checkName(id, 'id', 'outbox.cancel');
    const { changes } = await this.executor.write(({ db }) =>
      this.executor.connections.statement(db, 'DELETE FROM outbox WHERE id = ?').run(id),
    );
    return Number(changes) === 1;
  }

  async list(options: { readonly limit?: number; readonly after?: string } = {}): Promise<OutboxMessage[]> {
    const limit = checkLimit(options.limit, 'outbox.list');
    if (options.after !== undefined) checkName(options.after, 'after', 'outbox.list');
    const rows = await this.executor.read(
      (db) =>
        this.executor.connections
          .statement(db, `SELECT ${COLUMNS} FROM outbox WHERE id > ? ORDER BY id LIMIT ?`)
          .all(options.after ?? '', limit) as unknown as OutboxRow[],
    );
    return rows.map(toMessage);
  }

  async nextDue(): Promise<Date | undefined> {
    // A claimed message is due for someone else once its claim runs out.
    const row = await this.executor.read(
      (db) =>
        this.executor.connections
          .statement(db, 'SELECT MIN(MAX(deliver_at, claimed_until)) AS due FROM outbox')
          .get() as { due: bigint | null } | undefined,
    );
    return row?.due == null ? undefined : new Date(Number(row.due));
  }

  async backlog(): Promise<OutboxBacklog> {
    const now = Date.now();
    // Both halves are ranges of outbox_due (deliver_at, seq): the due rows are looked up for
    // created_at, so that cost follows the backlog; the scheduled ones are counted from the
    // index alone. A claim does not matter: a claimed message is not delivered until it is
    // completed.
    const row = await this.executor.read(
      (db) =>
        this.executor.connections
          .statement(
            db,
            `SELECT count(*) AS due, min(created_at) AS oldest,
                    (SELECT count(*) FROM outbox WHERE deliver_at > ?1) AS scheduled
               FROM outbox WHERE deliver_at <= ?1`,
          )
          .get(now) as { due: bigint; oldest: bigint | null; scheduled: bigint },
    );
    return {
      due: Number(row.due),
      scheduled: Number(row.scheduled),
      oldestDueCreatedAt: row.oldest === null ? undefined : new Date(Number(row.oldest)),
    };
  }
}
