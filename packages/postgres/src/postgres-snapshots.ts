/** Aggregate snapshots on PostgreSQL, one per (tenant, stream). */
import type { Snapshot, SnapshotStore } from '@whizbang/core';
import { assertStreamName, checkSnapshot, tenantOf } from '@whizbang/core/driver';
import type { Executor } from './executor.js';

export class PostgresSnapshots implements SnapshotStore {
  constructor(readonly executor: Executor) {}

  get #s(): string {
    return this.executor.db.s;
  }

  async load<S = unknown>(
    stream: string,
    options: { readonly tenantId?: string } = {},
  ): Promise<Snapshot<S> | undefined> {
    assertStreamName(stream, 'snapshots.load');
    const tenantId = tenantOf(options.tenantId, 'snapshots.load');
    const { rows } = await this.executor
      .forTenant(tenantId, 'snapshots.load')
      .query(
        `SELECT version, schema_version, state, created_at FROM ${this.#s}.snapshots WHERE tenant_id = $1 AND stream_id = $2`,
        [tenantId, stream],
      );
    const row = rows[0] as
      { version: string; schema_version: number; state: S; created_at: Date } | undefined;
    return (
      row && {
        stream,
        tenantId,
        version: Number(row.version),
        schemaVersion: row.schema_version,
        state: row.state,
        createdAt: row.created_at,
      }
    );
  }

  async save<S>(
    snapshot: Omit<Snapshot<S>, 'createdAt' | 'tenantId'> & { readonly tenantId?: string },
  ): Promise<void> {
    const { tenantId, stateJson: state } = checkSnapshot(snapshot);
    await this.executor.forTenant(tenantId, 'snapshots.save').query(
      `INSERT INTO ${this.#s}.snapshots (tenant_id, stream_id, version, schema_version, state) VALUES ($1, $2, $3, $4, $5::jsonb)
       ON CONFLICT (tenant_id, stream_id) DO UPDATE SET version = excluded.version, schema_version = excluded.schema_version,
         state = excluded.state, created_at = now()`,
      [tenantId, snapshot.stream, snapshot.version, snapshot.schemaVersion, state],
    );
  }

  async delete(stream: string, options: { readonly tenantId?: string } = {}): Promise<void> {
    assertStreamName(stream, 'snapshots.delete');
    const tenantId = tenantOf(options.tenantId, 'snapshots.delete');
    await this.executor
      .forTenant(tenantId, 'snapshots.delete')
      .query(`DELETE FROM ${this.#s}.snapshots WHERE tenant_id = $1 AND stream_id = $2`, [tenantId, stream]);
  }
}
