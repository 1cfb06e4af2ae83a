/** Snapshots as a handler for one tenant sees them: that tenant's streams only. */
import type { Snapshot, SnapshotStore } from '../store/ports.js';
import { withTenant } from './tenant-scope.js';

export class ScopedSnapshotStore implements SnapshotStore {
  constructor(
    readonly inner: SnapshotStore,
    readonly tenantId: string,
  ) {}

  async load<S = unknown>(
    stream: string,
    options?: { readonly tenantId?: string },
  ): Promise<Snapshot<S> | undefined> {
    return this.inner.load<S>(stream, withTenant(this.tenantId, options, 'snapshots.load'));
  }
  async save<S>(
    snapshot: Omit<Snapshot<S>, 'createdAt' | 'tenantId'> & { readonly tenantId?: string },
  ): Promise<void> {
    return this.inner.save(withTenant(this.tenantId, snapshot, 'snapshots.save'));
  }
  async delete(stream: string, options?: { readonly tenantId?: string }): Promise<void> {
    return this.inner.delete(stream, withTenant(this.tenantId, options, 'snapshots.delete'));
  }
}
