/** Aggregate snapshots in memory, one per stream and tenant. */
import { assertStreamName } from '../event-store/append-input.js';
import { tenantOf } from '../event-store/read-input.js';
import { checkSnapshot } from '../store/port-input.js';
import type { Snapshot, SnapshotStore } from '../store/ports.js';
import type { Access } from './access.js';
import { scopedKey } from './state.js';

export class MemorySnapshots implements SnapshotStore {
  constructor(readonly access: Access) {}

  async load<S = unknown>(
    stream: string,
    options: { readonly tenantId?: string } = {},
  ): Promise<Snapshot<S> | undefined> {
    assertStreamName(stream, 'snapshots.load');
    const tenantId = tenantOf(options.tenantId, 'snapshots.load');
    const record = this.access.read().snapshots.get(scopedKey(tenantId, stream));
    return (
      record && {
        stream,
        tenantId,
        version: record.version,
        schemaVersion: record.schemaVersion,
        state: JSON.parse(record.stateJson) as S,
        createdAt: new Date(record.createdAt),
      }
    );
  }

  async save<S>(
    snapshot: Omit<Snapshot<S>, 'createdAt' | 'tenantId'> & { readonly tenantId?: string },
  ): Promise<void> {
    const { tenantId, stateJson } = checkSnapshot(snapshot);
    await this.access.write((draft) =>
      draft.snapshots.put(scopedKey(tenantId, snapshot.stream), {
        version: snapshot.version,
        schemaVersion: snapshot.schemaVersion,
        stateJson,
        createdAt: new Date(),
      }),
    );
  }

  async delete(stream: string, options: { readonly tenantId?: string } = {}): Promise<void> {
    assertStreamName(stream, 'snapshots.delete');
    const key = scopedKey(tenantOf(options.tenantId, 'snapshots.delete'), stream);
    await this.access.write((draft) => draft.snapshots.put(key, null));
  }
}
