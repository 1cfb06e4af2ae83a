/** Aggregate snapshots on SQLite, one per (tenant, stream). */
import type { Snapshot, SnapshotStore } from '@whizbang/core';
import { assertStreamName, checkSnapshot, tenantOf } from '@whizbang/core/driver';
import type { Executor } from './executor.js';

interface SnapshotRow {
  version: bigint;
  schema_version: bigint;
  state: string;
  created_at: bigint;
}

export class SqliteSnapshots implements SnapshotStore {
  constructor(readonly executor: Executor) {}

  async load<S = unknown>(
    stream: string,
    options: { readonly tenantId?: string } = {},
  ): Promise<Snapshot<S> | undefined> {
    assertStreamName(stream, 'snapshots.load');
    const tenantId = tenantOf(options.tenantId, 'snapshots.load');
    const row = await this.executor.read(
      (db) =>
        this.executor.connections
          .statement(
            db,
            'SELECT version, schema_version, state, created_at FROM snapshots WHERE tenant_id = ? AND stream_id = ?',
          )
          .get(tenantId, stream) as SnapshotRow | undefined,
    );
    return (
      row && {
        stream,
        tenantId,
        version: Number(row.version),
        schemaVersion: Number(row.schema_version),
        state: JSON.parse(row.state) as S,
        createdAt: new Date(Number(row.created_at)),
      }
    );
  }

  async save<S>(
    snapshot: Omit<Snapshot<S>, 'createdAt' | 'tenantId'> & { readonly tenantId?: string },
  ): Promise<void> {
    const { tenantId, stateJson: state } = checkSnapshot(snapshot);
    await this.executor.write(({ db }) =>
      this.executor.connections
        .statement(
          db,
          `INSERT INTO snapshots (tenant_id, stream_id, version, schema_version, state, created_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (tenant_id, stream_id) DO UPDATE SET version = excluded.version, schema_version = excluded.schema_version,
             state = excluded.state, created_at = excluded.created_at`,
        )
        .run(tenantId, snapshot.stream, snapshot.version, snapshot.schemaVersion, state, Date.now()),
    );
  }

  async delete(stream: string, options: { readonly tenantId?: string } = {}): Promise<void> {
    assertStreamName(stream, 'snapshots.delete');
    const tenantId = tenantOf(options.tenantId, 'snapshots.delete');
    await this.executor.write(({ db }) =>
      this.executor.connections
        .statement(db, 'DELETE FROM snapshots WHERE tenant_id = ? AND stream_id = ?')
        .run(tenantId, stream),
    );
  }
}
