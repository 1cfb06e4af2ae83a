/** Named positions in the global log, moved only by compare-and-set. */
import { CheckpointConflictError, ValidationError } from '../errors/catalog.js';
import { compareLogPositions } from '../event-store/log-position.js';
import type { LogPosition } from '../event-store/types.js';
import type { Checkpoint, CheckpointStore } from '../store/ports.js';
import type { Access } from './access.js';

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

export class MemoryCheckpoints implements CheckpointStore {
  constructor(readonly access: Access) {}

  async get(name: string): Promise<Checkpoint | undefined> {
    checkName(name, 'checkpoints.get');
    const record = this.access.read().checkpoint(name);
    return (
      record && {
        name,
        position: { commit: record.commit, position: record.position },
        updatedAt: new Date(record.updatedAt),
      }
    );
  }

  async compareAndSet(name: string, expected: LogPosition | undefined, next: LogPosition): Promise<void> {
    checkName(name, 'checkpoints.compareAndSet');
    if (expected !== undefined) checkPosition(expected, 'expected', 'checkpoints.compareAndSet');
    checkPosition(next, 'next', 'checkpoints.compareAndSet');
    await this.access.write((draft) => {
      const current = draft.checkpoint(name);
      const matches =
        current === undefined
          ? expected === undefined
          : expected !== undefined && compareLogPositions(current, expected) === 0;
      if (!matches) {
        throw new CheckpointConflictError(
          name,
          expected,
          current && { commit: current.commit, position: current.position },
        );
      }
      draft.putCheckpoint(name, { commit: next.commit, position: next.position, updatedAt: new Date() });
    });
  }

  async delete(name: string): Promise<void> {
    checkName(name, 'checkpoints.delete');
    await this.access.write((draft) => draft.putCheckpoint(name, null));
  }
}
