/** Named log positions on PostgreSQL, moved only by compare-and-set in one statement. */
import {
  CheckpointConflictError,
  type Checkpoint,
  type CheckpointStore,
  type LogPosition,
} from '@whizbang/core';
import { checkCheckpoint } from '@whizbang/core/driver';
import type { Executor } from './executor.js';

interface Row {
  commit_pos: string;
  position: string;
  updated_at: Date;
}

export class PostgresCheckpoints implements CheckpointStore {
  constructor(readonly executor: Executor) {}

  get #s(): string {
    return this.executor.db.s;
  }

  async get(name: string): Promise<Checkpoint | undefined> {
    checkCheckpoint(name, {}, 'checkpoints.get');
    const { rows } = await this.executor.query(
      `SELECT commit_pos, position, updated_at FROM ${this.#s}.checkpoints WHERE name = $1`,
      [name],
    );
    const row = rows[0] as Row | undefined;
    return (
      row && {
        name,
        position: { commit: BigInt(row.commit_pos), position: BigInt(row.position) },
        updatedAt: row.updated_at,
      }
    );
  }

  async compareAndSet(name: string, expected: LogPosition | undefined, next: LogPosition): Promise<void> {
    checkCheckpoint(name, { expected, next }, 'checkpoints.compareAndSet');
    const { rowCount } =
      expected === undefined
        ? await this.executor.query(
            `INSERT INTO ${this.#s}.checkpoints (name, commit_pos, position) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`,
            [name, String(next.commit), String(next.position)],
          )
        : await this.executor.query(
            `UPDATE ${this.#s}.checkpoints SET commit_pos = $2, position = $3, updated_at = now()
              WHERE name = $1 AND commit_pos = $4 AND position = $5`,
            [
              name,
              String(next.commit),
              String(next.position),
              String(expected.commit),
              String(expected.position),
            ],
          );
    if (rowCount === 1) return;
    const current = await this.get(name);
    throw new CheckpointConflictError(name, expected, current?.position);
  }

  async delete(name: string): Promise<void> {
    checkCheckpoint(name, {}, 'checkpoints.delete');
    await this.executor.query(`DELETE FROM ${this.#s}.checkpoints WHERE name = $1`, [name]);
  }
}
