/** Named log positions on SQLite, moved only by compare-and-set. */
import {
  CheckpointConflictError,
  type Checkpoint,
  type CheckpointStore,
  type LogPosition,
} from '@whizbang/core';
import { checkCheckpoint } from '@whizbang/core/driver';
import type { Executor } from './executor.js';

interface CheckpointRow {
  commit_pos: bigint;
  position: bigint;
  updated_at: bigint;
}

const SELECT = 'SELECT commit_pos, position, updated_at FROM checkpoints WHERE name = ?';

export class SqliteCheckpoints implements CheckpointStore {
  constructor(readonly executor: Executor) {}

  async get(name: string): Promise<Checkpoint | undefined> {
    checkCheckpoint(name, {}, 'checkpoints.get');
    const row = await this.executor.read(
      (db) => this.executor.connections.statement(db, SELECT).get(name) as CheckpointRow | undefined,
    );
    return (
      row && {
        name,
        position: { commit: row.commit_pos, position: row.position },
        updatedAt: new Date(Number(row.updated_at)),
      }
    );
  }

  async compareAndSet(name: string, expected: LogPosition | undefined, next: LogPosition): Promise<void> {
    checkCheckpoint(name, { expected, next }, 'checkpoints.compareAndSet');
    await this.executor.write(({ db }) => {
      const statement = (sql: string) => this.executor.connections.statement(db, sql);
      // The compare is part of the write statement, so the row cannot move in between.
      const changes =
        expected === undefined
          ? statement(
              'INSERT INTO checkpoints (name, commit_pos, position, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING',
            ).run(name, next.commit, next.position, Date.now()).changes
          : statement(
              'UPDATE checkpoints SET commit_pos = ?, position = ?, updated_at = ? WHERE name = ? AND commit_pos = ? AND position = ?',
            ).run(next.commit, next.position, Date.now(), name, expected.commit, expected.position).changes;
      if (Number(changes) === 1) return;
      const current = statement(SELECT).get(name) as CheckpointRow | undefined;
      throw new CheckpointConflictError(
        name,
        expected,
        current && { commit: current.commit_pos, position: current.position },
      );
    });
  }

  async delete(name: string): Promise<void> {
    checkCheckpoint(name, {}, 'checkpoints.delete');
    await this.executor.write(({ db }) =>
      this.executor.connections.statement(db, 'DELETE FROM checkpoints WHERE name = ?').run(name),
    );
  }
}
