/**
 * Checkpoints and leases as a handler for one tenant sees them: not at all. They belong to the
 * readers of the whole log (projections, reactors, relays), which run as system.
 */
import type { Checkpoint, CheckpointStore, Lease, LeaseInfo } from '../store/ports.js';
import { refuse } from './tenant-scope.js';

export class ScopedCheckpointStore implements CheckpointStore {
  constructor(readonly tenantId: string) {}

  async get(): Promise<Checkpoint | undefined> {
    return refuse(this.tenantId, 'checkpoints.get');
  }
  async list(): Promise<Checkpoint[]> {
    return refuse(this.tenantId, 'checkpoints.list');
  }
  async compareAndSet(): Promise<void> {
    return refuse(this.tenantId, 'checkpoints.compareAndSet');
  }
  async delete(): Promise<void> {
    return refuse(this.tenantId, 'checkpoints.delete');
  }
  async acquireLease(): Promise<Lease | undefined> {
    return refuse(this.tenantId, 'checkpoints.acquireLease');
  }
  async renewLease(): Promise<Lease | undefined> {
    return refuse(this.tenantId, 'checkpoints.renewLease');
  }
  async releaseLease(): Promise<boolean> {
    return refuse(this.tenantId, 'checkpoints.releaseLease');
  }
  async listLeases(): Promise<LeaseInfo[]> {
    return refuse(this.tenantId, 'checkpoints.listLeases');
  }
}
