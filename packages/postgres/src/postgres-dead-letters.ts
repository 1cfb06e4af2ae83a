/** Dead letters on PostgreSQL: parked failures keyed by UUIDv7, so id order is the order added. */
import {
  uuidv7,
  type DeadLetter,
  type DeadLetterListOptions,
  type DeadLetterStore,
  type NewDeadLetter,
} from '@whizbang/core';
import { checkDeadLetter, checkDeadLetterList, checkName } from '@whizbang/core/driver';
import type { Executor } from './executor.js';

interface Row {
  id: string;
  source: string;
  tenant_id: string;
  message_id: string;
  message_type: string;
  commit_pos: string | null;
  position: string | null;
  payload: unknown;
  error: DeadLetter['error'];
  attempts: string;
  created_at: Date;
}

const COLUMNS =
  'id, source, tenant_id, message_id, message_type, commit_pos, position, payload, error, attempts, created_at';

function toDeadLetter(row: Row): DeadLetter {
  return {
    id: row.id,
    source: row.source,
    tenantId: row.tenant_id,
    messageId: row.message_id,
    messageType: row.message_type,
    ...(row.commit_pos !== null &&
      row.position !== null && {
        position: { commit: BigInt(row.commit_pos), position: BigInt(row.position) },
      }),
    payload: row.payload,
    error: row.error,
    attempts: Number(row.attempts),
    createdAt: row.created_at,
  };
}

export class PostgresDeadLetters implements DeadLetterStore {
  constructor(readonly executor: Executor) {}

  get #s(): string {
    return this.executor.db.s;
  }

  async add(letter: NewDeadLetter): Promise<DeadLetter> {
    const { tenantId, payloadJson, errorJson } = checkDeadLetter(letter);
    const { rows } = await this.executor.forTenant(tenantId, 'deadLetters.add').query(
      `INSERT INTO ${this.#s}.dead_letters
         (id, source, tenant_id, message_id, message_type, commit_pos, position, payload, error, attempts)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10)
       RETURNING ${COLUMNS}`,
      [
        uuidv7(),
        letter.source,
        tenantId,
        letter.messageId,
        letter.messageType,
        letter.position === undefined ? null : String(letter.position.commit),
        letter.position === undefined ? null : String(letter.position.position),
        payloadJson,
        errorJson,
        letter.attempts,
      ],
    );
    return toDeadLetter(rows[0] as Row);
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    checkName(id, 'id', 'deadLetters.get');
    const { rows } = await this.executor
      .acrossTenants('deadLetters.get')
      .query(`SELECT ${COLUMNS} FROM ${this.#s}.dead_letters WHERE id = $1`, [id]);
    const row = rows[0] as Row | undefined;
    return row && toDeadLetter(row);
  }

  async list(options: DeadLetterListOptions = {}): Promise<DeadLetter[]> {
    const { limit, source, tenantId, after } = checkDeadLetterList(options);
    const executor =
      tenantId === undefined
        ? this.executor.acrossTenants('deadLetters.list')
        : this.executor.forTenant(tenantId, 'deadLetters.list');
    const { rows } = await executor.query(
      `SELECT ${COLUMNS} FROM ${this.#s}.dead_letters
        WHERE ($1::text IS NULL OR source = $1::text)
          AND ($2::text IS NULL OR tenant_id = $2::text)
          AND ($3::text IS NULL OR id > $3::text)
        ORDER BY id LIMIT $4`,
      [source ?? null, tenantId ?? null, after ?? null, limit],
    );
    return (rows as Row[]).map(toDeadLetter);
  }

  async delete(id: string): Promise<boolean> {
    checkName(id, 'id', 'deadLetters.delete');
    const { rowCount } = await this.executor
      .acrossTenants('deadLetters.delete')
      .query(`DELETE FROM ${this.#s}.dead_letters WHERE id = $1`, [id]);
    return rowCount === 1;
  }
}
