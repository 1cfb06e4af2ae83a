/** Dead letters on SQLite: parked failures with their message and error as JSON text. */
import {
  uuidv7,
  type DeadLetter,
  type DeadLetterListOptions,
  type DeadLetterStore,
  type FailureInfo,
  type NewDeadLetter,
} from '@whizbang/core';
import { checkDeadLetter, checkDeadLetterList, checkName } from '@whizbang/core/driver';
import type { SQLInputValue } from 'node:sqlite';
import type { Executor } from './executor.js';

interface DeadLetterRow {
  id: string;
  source: string;
  tenant_id: string;
  message_id: string;
  message_type: string;
  commit_pos: bigint | null;
  position: bigint | null;
  payload: string;
  error: string;
  attempts: bigint;
  created_at: bigint;
}

const COLUMNS =
  'id, source, tenant_id, message_id, message_type, commit_pos, position, payload, error, attempts, created_at';
const INSERT = `INSERT INTO dead_letters (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** The list statement for the filters given; at most four shapes, each cached once prepared. */
function listSql(source: boolean, tenant: boolean): string {
  const where = ['id > ?', ...(source ? ['source = ?'] : []), ...(tenant ? ['tenant_id = ?'] : [])];
  return `SELECT ${COLUMNS} FROM dead_letters WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`;
}

function toDeadLetter(row: DeadLetterRow): DeadLetter {
  return {
    id: row.id,
    source: row.source,
    tenantId: row.tenant_id,
    messageId: row.message_id,
    messageType: row.message_type,
    ...(row.commit_pos !== null &&
      row.position !== null && {
        position: { commit: row.commit_pos, position: row.position },
      }),
    payload: JSON.parse(row.payload) as unknown,
    error: JSON.parse(row.error) as FailureInfo,
    attempts: Number(row.attempts),
    createdAt: new Date(Number(row.created_at)),
  };
}

export class SqliteDeadLetters implements DeadLetterStore {
  constructor(readonly executor: Executor) {}

  async add(letter: NewDeadLetter): Promise<DeadLetter> {
    const { tenantId, payloadJson, errorJson } = checkDeadLetter(letter);
    const row: DeadLetterRow = {
      id: uuidv7(),
      source: letter.source,
      tenant_id: tenantId,
      message_id: letter.messageId,
      message_type: letter.messageType,
      commit_pos: letter.position?.commit ?? null,
      position: letter.position?.position ?? null,
      payload: payloadJson,
      error: errorJson,
      attempts: BigInt(letter.attempts),
      created_at: BigInt(Date.now()),
    };
    await this.executor.write(({ db }) =>
      this.executor.connections
        .statement(db, INSERT)
        .run(
          row.id,
          row.source,
          row.tenant_id,
          row.message_id,
          row.message_type,
          row.commit_pos,
          row.position,
          row.payload,
          row.error,
          row.attempts,
          row.created_at,
        ),
    );
    // Built from the stored row, so the caller gets the same copy `get` will return.
    return toDeadLetter(row);
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    checkName(id, 'id', 'deadLetters.get');
    const row = await this.executor.read(
      (db) =>
        this.executor.connections
          .statement(db, `SELECT ${COLUMNS} FROM dead_letters WHERE id = ?`)
          .get(id) as DeadLetterRow | undefined,
    );
    return row && toDeadLetter(row);
  }

  async list(options: DeadLetterListOptions = {}): Promise<DeadLetter[]> {
    const { limit, source, tenantId, after } = checkDeadLetterList(options);
    const params: SQLInputValue[] = [after ?? ''];
    if (source !== undefined) params.push(source);
    if (tenantId !== undefined) params.push(tenantId);
    params.push(limit);
    const rows = await this.executor.read(
      (db) =>
        this.executor.connections
          .statement(db, listSql(source !== undefined, tenantId !== undefined))
          .all(...params) as unknown as DeadLetterRow[],
    );
    return rows.map(toDeadLetter);
  }

  async delete(id: string): Promise<boolean> {
    checkName(id, 'id', 'deadLetters.delete');
    const { changes } = await this.executor.write(({ db }) =>
      this.executor.connections.statement(db, 'DELETE FROM dead_letters WHERE id = ?').run(id),
    );
    return Number(changes) === 1;
  }
}
