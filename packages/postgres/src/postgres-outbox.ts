/**
 * The outbox on PostgreSQL. Relays claim with `FOR UPDATE SKIP LOCKED`, so concurrent relays
 * take disjoint messages without waiting on each other; a claim holds until `claimed_until`
 * on the database clock, and complete/release only touch messages the caller still holds.
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
import { PREPARED, type Executor } from './executor.js';

interface OutboxRow {
  id: string;
  destination: string;
  type: string;
  body: string;
  headers: Record<string, string>;
  msg_key: string | null;
  tenant_id: string;
  deliver_ms: number;
  created_ms: number;
  attempts: number;
  last_error: string | null;
}

/** The columns of `OutboxRow`, of table alias `t`; times as float8 milliseconds. */
const columns = (t: string) =>
  `${t}.id, ${t}.destination, ${t}.type, ${t}.body, ${t}.headers, ${t}.msg_key, ${t}.tenant_id, ${t}.attempts, ${t}.last_error,
   date_part('epoch', ${t}.deliver_at) * 1000 AS deliver_ms, date_part('epoch', ${t}.created_at) * 1000 AS created_ms`;

function toMessage(row: OutboxRow): OutboxMessage {
  return {
    id: row.id,
    destination: row.destination,
    type: row.type,
    body: row.body,
    headers: row.headers,
    ...(row.msg_key !== null && { key: row.msg_key }),
    tenantId: row.tenant_id,
    deliverAt: new Date(row.deliver_ms),
    createdAt: new Date(row.created_ms),
    attempts: row.attempts,
    ...(row.last_error !== null && { lastError: row.last_error }),
  };
}

export class PostgresOutbox implements OutboxStore {
  constructor(readonly executor: Executor) {}

  get #s(): string {
    return this.executor.db.s;
  }

  async add(messages: readonly NewOutboxMessage[]): Promise<void> {
    const checked = checkOutboxMessages(messages);
    if (checked.length === 0) return;
    const rows = checked.map((m) => ({
      id: m.id,
      destination: m.destination,
      type: m.type,
      body: m.body,
      headers: JSON.parse(m.headersJson) as unknown,
      key: m.key ?? null,
      tenant: m.tenantId,
      at: m.deliverAt ?? null,
    }));
    // Strict tenancy binds a statement to one tenant, so a batch of several is refused there.
    const executor = this.executor.forTenants([...new Set(rows.map((row) => row.tenant))], 'outbox.add');
    // One statement for the batch; a message already waiting is left as it is.
    await executor.query(
      `INSERT INTO ${this.#s}.outbox (id, destination, type, body, headers, msg_key, tenant_id, deliver_at)
       SELECT r.id, r.destination, r.type, r.body, r.headers, r.key, r.tenant,
              coalesce(to_timestamp(r.at / 1000.0), now())
         FROM jsonb_to_recordset($1::jsonb) AS r(id text, destination text, type text, body text, headers jsonb, key text, tenant text, at float8)
       ON CONFLICT (id) DO NOTHING`,
      [JSON.stringify(rows)],
      PREPARED,
    );
  }

  async claim(owner: string, options: OutboxClaimOptions): Promise<OutboxMessage[]> {
    const { limit, leaseMs } = checkClaim(owner, options);
    const { rows } = await this.executor.acrossTenants('outbox.claim').query(
      `UPDATE ${this.#s}.outbox o SET claimed_by = $1, claimed_until = clock_timestamp() + $2 * interval '1 millisecond'
         FROM (SELECT seq FROM ${this.#s}.outbox
                WHERE deliver_at <= clock_timestamp() AND claimed_until <= clock_timestamp()
                ORDER BY deliver_at, seq LIMIT $3
                FOR UPDATE SKIP LOCKED) due
        WHERE o.seq = due.seq
        RETURNING o.seq, ${columns('o')}`,
      [owner, leaseMs, limit],
      PREPARED,
    );
    // RETURNING does not promise an order.
    return (rows as (OutboxRow & { seq: string })[])
      .toSorted((a, b) => a.deliver_ms - b.deliver_ms || Number(BigInt(a.seq) - BigInt(b.seq)))
      .map(toMessage);
  }

  async complete(owner: string, ids: readonly string[]): Promise<number> {
    checkOwnedIds(owner, ids, 'outbox.complete');
    if (ids.length === 0) return 0;
    const { rowCount } = await this.executor
      .acrossTenants('outbox.complete')
      .query(
        `DELETE FROM ${this.#s}.outbox WHERE id = ANY($2::text[]) AND claimed_by = $1 AND claimed_until > clock_timestamp()`,
        [owner, ids],
        PREPARED,
      );
    return rowCount ?? 0;
  }

  async release(
    owner: string,
    ids: readonly string[],
    options: { readonly retryAt: Date; readonly error: string },
  ): Promise<number> {
    checkOwnedIds(owner, ids, 'outbox.release');
    const { retryAt, error } = checkRelease(options);
    if (ids.length === 0) return 0;
    const { rowCount } = await this.executor.acrossTenants('outbox.release').query(
      `UPDATE ${this.#s}.outbox
          SET deliver_at = to_timestamp($3 / 1000.0), attempts = attempts + 1, last_error = $4,
              claimed_by = NULL, claimed_until = '-infinity'
        WHERE id = ANY($2::text[]) AND claimed_by = $1 AND claimed_until > clock_timestamp()`,
      [owner, ids, retryAt, error],
      PREPARED,
    );
    return rowCount ?? 0;
  }

  async cancel(id: string): Promise<boolean> {
    checkName(id, 'id', 'outbox.cancel');
    const { rowCount } = await this.executor
      .acrossTenants('outbox.cancel')
      .query(`DELETE FROM ${this.#s}.outbox WHERE id = $1`, [id], PREPARED);
    return rowCount === 1;
  }

  async list(options: { readonly limit?: number; readonly after?: string } = {}): Promise<OutboxMessage[]> {
    const limit = checkLimit(options.limit, 'outbox.list');
    if (options.after !== undefined) checkName(options.after, 'after', 'outbox.list');
    // COLLATE "C": byte order, the same order as every other driver, whatever the database locale.
    const { rows } = await this.executor
      .acrossTenants('outbox.list')
      .query(
        `SELECT ${columns('o')} FROM ${this.#s}.outbox o WHERE o.id COLLATE "C" > $1 ORDER BY o.id COLLATE "C" LIMIT $2`,
        [options.after ?? '', limit],
      );
    return (rows as OutboxRow[]).map(toMessage);
  }

  async nextDue(): Promise<Date | undefined> {
    // A claimed message is due for someone else once its claim runs out.
    const { rows } = await this.executor
      .acrossTenants('outbox.nextDue')
      .query(
        `SELECT date_part('epoch', min(greatest(deliver_at, claimed_until))) * 1000 AS due FROM ${this.#s}.outbox`,
      );
    const due = (rows[0] as { due: number | null } | undefined)?.due;
    return due == null ? undefined : new Date(due);
  }

  async backlog(): Promise<OutboxBacklog> {
    // statement_timestamp(), not clock_timestamp(): one "now" for both halves, and a stable
    // value that outbox_due (deliver_at, seq) can take as a bound. The due half is a range of it,
    // so its cost follows the backlog. An exact count of the scheduled visits each of them (the
    // planner scans the table when they are most of it: ~40 ms per 100,000), which a metrics
    // scrape can afford. A claim does not matter: a claimed message is not delivered until it
    // is completed.
    const { rows } = await this.executor.acrossTenants('outbox.backlog').query(
      `SELECT count(*) AS due, date_part('epoch', min(created_at)) * 1000 AS oldest_ms,
              (SELECT count(*) FROM ${this.#s}.outbox WHERE deliver_at > statement_timestamp()) AS scheduled
         FROM ${this.#s}.outbox WHERE deliver_at <= statement_timestamp()`,
    );
    const row = rows[0] as { due: string; oldest_ms: number | null; scheduled: string };
    return {
      due: Number(row.due),
      scheduled: Number(row.scheduled),
      oldestDueCreatedAt: row.oldest_ms === null ? undefined : new Date(row.oldest_ms),
    };
  }
}
