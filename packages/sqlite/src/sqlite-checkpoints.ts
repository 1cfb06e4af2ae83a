/** Named log positions on SQLite, moved only by compare-and-set. */
import {
  CheckpointConflictError,
  ValidationError,
  type Checkpoint,
  type CheckpointStore,
  type LogPosition,
} from '@whizbang/core';
import type { Executor } from './executor.js';

interface CheckpointRow {
  commit_pos: bigint;
  position: bigint;
  updated_at: bigint;
}

function checkName(name: unknown, subject: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > 250) {
    throw new ValidationError(
      [{ message: 'must be a non-empty string of at most 250 characters', path: ['name'] }],
      subject,
    );
  }
}

function checkPosition(position: unknown, path: string, subject: string): void {
  const p = position as LogPosition | undefined;
  if (typeof p?.commit !== 'bigint' || typeof p.position !== 'bigint' || p.commit < 0n || p.position < 0n) {
    throw new ValidationError(
      [{ message: 'must be a LogPosition { commit: bigint, position: bigint }', path: [path] }],
      subject,
    );
  }
}

const SELECT = 'SELECT commit_pos, position, updated_at FROM checkpoints WHERE name = ?';

export class SqliteCheckpoints implements CheckpointStore {
  constructor(readonly executor: Executor) {}

  async get(name: string): Promise<Checkpoint | undefined> {
    checkName(name, 'checkpoints.get');
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
    checkName(name, 'checkpoints.compareAndSet');
    if (expected !== undefined) checkPosition(expected, 'expected', 'checkpoints.compareAndSet');
    checkPosition(next, 'next', 'checkpoints.compareAndSet');
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
    checkName(name, 'checkpoints.delete');
    await this.executor.write(({ db }) =>
      this.executor.connections.statement(db, 'DELETE FROM checkpoints WHERE name = ?').run(name),
    );
  }
}
