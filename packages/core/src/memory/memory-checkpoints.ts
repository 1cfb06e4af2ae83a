/** Named positions in the global log, moved only by compare-and-set. */
import { CheckpointConflictError } from '../errors/catalog.js';
import { compareLogPositions } from '../event-store/log-position.js';
import type { LogPosition } from '../event-store/types.js';
import { checkCheckpoint } from '../store/port-input.js';
import type { Checkpoint, CheckpointStore } from '../store/ports.js';
import type { Access } from './access.js';

export class MemoryCheckpoints implements CheckpointStore {
  constructor(readonly access: Access) {}

  async get(name: string): Promise<Checkpoint | undefined> {
    checkCheckpoint(name, {}, 'checkpoints.get');
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
    checkCheckpoint(name, { expected, next }, 'checkpoints.compareAndSet');
    await this.access.write((draft) => {
      const current = draft.checkpoint(name);
      const matches =
        current === undefined
          ? expected === undefined
          : expected !== undefined && compareLogPositions(current, expected) === 0;
      if (!matches)
        throw new CheckpointConflictError(
          name,
          expected,
          current && { commit: current.commit, position: current.position },
        );
      draft.putCheckpoint(name, { commit: next.commit, position: next.position, updatedAt: new Date() });
    });
  }

  async delete(name: string): Promise<void> {
    checkCheckpoint(name, {}, 'checkpoints.delete');
    await this.access.write((draft) => draft.putCheckpoint(name, null));
  }
}
