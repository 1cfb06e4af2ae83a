/** Named positions in the global log, moved only by compare-and-set, and leases that fence them. */
import { CheckpointConflictError, LeaseLostError } from '../errors/catalog.js';
import { compareLogPositions } from '../event-store/log-position.js';
import type { LogPosition } from '../event-store/types.js';
import { compareCodePoints } from '../store/document-query-eval.js';
import { checkCheckpoint, checkLease, checkLeaseToken, checkPrefix } from '../store/port-input.js';
import type {
  Checkpoint,
  CheckpointStore,
  Lease,
  LeaseInfo,
  LeaseOptions,
  LeaseToken,
} from '../store/ports.js';
import type { Access } from './access.js';
import type { Draft } from './draft.js';
import type { CheckpointRecord, LeaseRecord } from './state.js';

const toCheckpoint = (name: string, record: CheckpointRecord): Checkpoint => ({
  name,
  position: { commit: record.commit, position: record.position },
  updatedAt: new Date(record.updatedAt),
});

const toLease = (name: string, record: LeaseRecord): Lease => ({
  name,
  owner: record.owner,
  epoch: record.epoch,
  expiresAt: new Date(record.expiresAt),
});

/** Entries whose keys start with `prefix`, in code point order of their keys. */
function byPrefix<V>(records: Map<string, V>, prefix: string): [string, V][] {
  return [...records]
    .filter(([key]) => key.startsWith(prefix))
    .toSorted(([a], [b]) => compareCodePoints(a, b));
}

const holds = (record: LeaseRecord | undefined, token: LeaseToken): boolean =>
  record !== undefined && record.owner === token.owner && record.epoch === token.epoch;

export class MemoryCheckpoints implements CheckpointStore {
  constructor(readonly access: Access) {}

  async get(name: string): Promise<Checkpoint | undefined> {
    checkCheckpoint(name, {}, 'checkpoints.get');
    const record = this.access.read().checkpoints.get(name);
    return record && toCheckpoint(name, record);
  }

  async list(options: { readonly prefix?: string } = {}): Promise<Checkpoint[]> {
    const prefix = checkPrefix(options, 'checkpoints.list');
    return byPrefix(this.access.read().checkpoints.merged(), prefix).map(([name, record]) =>
      toCheckpoint(name, record),
    );
  }

  async compareAndSet(
    name: string,
    expected: LogPosition | undefined,
    next: LogPosition,
    options: { readonly lease?: LeaseToken } = {},
  ): Promise<void> {
    checkCheckpoint(name, { expected, next }, 'checkpoints.compareAndSet');
    const { lease } = options;
    if (lease !== undefined) checkLeaseToken(lease, 'checkpoints.compareAndSet');
    await this.access.write((draft) => {
      if (lease && !holds(draft.leases.get(lease.name), lease))
        throw new LeaseLostError(lease.name, lease.owner, lease.epoch);
      const current = draft.checkpoints.get(name);
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
      draft.checkpoints.put(name, { commit: next.commit, position: next.position, updatedAt: new Date() });
    });
  }

  async delete(name: string): Promise<void> {
    checkCheckpoint(name, {}, 'checkpoints.delete');
    await this.access.write((draft) => draft.checkpoints.put(name, null));
  }

  async acquireLease(name: string, owner: string, options: LeaseOptions): Promise<Lease | undefined> {
    checkLease(name, owner, options, 'checkpoints.acquireLease');
    return this.access.write((draft) => {
      const now = Date.now();
      const current = draft.leases.get(name);
      if (current && current.owner !== owner && current.owner !== '' && current.expiresAt > now)
        return undefined;
      const epoch = !current ? 1 : current.owner === owner ? current.epoch : current.epoch + 1;
      return this.#put(draft, name, { owner, epoch, expiresAt: now + options.ttlMs });
    });
  }

  async renewLease(lease: LeaseToken, options: LeaseOptions): Promise<Lease | undefined> {
    checkLeaseToken(lease, 'checkpoints.renewLease');
    checkLease(lease.name, lease.owner, options, 'checkpoints.renewLease');
    return this.access.write((draft) =>
      holds(draft.leases.get(lease.name), lease)
        ? this.#put(draft, lease.name, {
            owner: lease.owner,
            epoch: lease.epoch,
            expiresAt: Date.now() + options.ttlMs,
          })
        : undefined,
    );
  }

  async releaseLease(lease: LeaseToken): Promise<boolean> {
    checkLeaseToken(lease, 'checkpoints.releaseLease');
    return this.access.write((draft) => {
      if (!holds(draft.leases.get(lease.name), lease)) return false;
      // The row stays, with its epoch, so whoever takes the lease next gets a higher one.
      this.#put(draft, lease.name, { owner: '', epoch: lease.epoch, expiresAt: Date.now() });
      return true;
    });
  }

  async listLeases(options: { readonly prefix?: string } = {}): Promise<LeaseInfo[]> {
    const prefix = checkPrefix(options, 'checkpoints.listLeases');
    const now = Date.now();
    return byPrefix(this.access.read().leases.merged(), prefix).map(([name, record]) => ({
      ...toLease(name, record),
      active: record.owner !== '' && record.expiresAt > now,
    }));
  }

  #put(draft: Draft, name: string, record: LeaseRecord): Lease {
    draft.leases.put(name, record);
    return toLease(name, record);
  }
}
