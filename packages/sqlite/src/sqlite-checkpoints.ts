/**
 * Named log positions on SQLite, moved only by compare-and-set, and the leases that fence
 * them. Every write runs under SQLite's single write lock, so a check and the write it guards
 * cannot be separated by another writer.
 */
import {
  CheckpointConflictError,
  LeaseLostError,
  type Checkpoint,
  type CheckpointStore,
  type Lease,
  type LeaseInfo,
  type LeaseOptions,
  type LeaseToken,
  type LogPosition,
} from '@whizbang/core';
import { checkCheckpoint, checkLease, checkLeaseToken, checkPrefix } from '@whizbang/core/driver';
import type { Executor } from './executor.js';

interface CheckpointRow {
  name: string;
  commit_pos: bigint;
  position: bigint;
  updated_at: bigint;
}

interface LeaseRow {
  name: string;
  owner: string;
  epoch: bigint;
  expires_at: bigint;
}

const SELECT = 'SELECT name, commit_pos, position, updated_at FROM checkpoints WHERE name = ?';
// `name >= ?1` starts the scan at the prefix (the primary key); substr() ends it exactly,
// with no LIKE wildcards to escape.
const LIST = `SELECT name, commit_pos, position, updated_at FROM checkpoints
  WHERE name >= ?1 AND substr(name, 1, length(?1)) = ?1 ORDER BY name`;
const HOLDS = 'SELECT 1 FROM leases WHERE name = ? AND owner = ? AND epoch = ?';
// Inserts a new lease at epoch 1, or takes over an existing row when the caller holds it
// (a renewal: same epoch, even past expiry) or it is released or expired (epoch + 1). When
// someone else holds it the WHERE fails and nothing is returned. Right-hand sides read the old row.
const ACQUIRE = `INSERT INTO leases (name, owner, epoch, expires_at) VALUES (?1, ?2, 1, ?3)
  ON CONFLICT (name) DO UPDATE SET
    epoch = CASE WHEN owner = excluded.owner THEN epoch ELSE epoch + 1 END,
    owner = excluded.owner,
    expires_at = excluded.expires_at
  WHERE owner = excluded.owner OR owner = '' OR expires_at <= ?4
  RETURNING name, owner, epoch, expires_at`;
const RENEW = `UPDATE leases SET expires_at = ? WHERE name = ? AND owner = ? AND epoch = ?
  RETURNING name, owner, epoch, expires_at`;
const RELEASE = "UPDATE leases SET owner = '', expires_at = ? WHERE name = ? AND owner = ? AND epoch = ?";
const LIST_LEASES = `SELECT name, owner, epoch, expires_at FROM leases
  WHERE name >= ?1 AND substr(name, 1, length(?1)) = ?1 ORDER BY name`;

function toCheckpoint(row: CheckpointRow): Checkpoint {
  return {
    name: row.name,
    position: { commit: row.commit_pos, position: row.position },
    updatedAt: new Date(Number(row.updated_at)),
  };
}

function toLease(row: LeaseRow): Lease {
  return {
    name: row.name,
    owner: row.owner,
    epoch: Number(row.epoch),
    expiresAt: new Date(Number(row.expires_at)),
  };
}

export class SqliteCheckpoints implements CheckpointStore {
  constructor(readonly executor: Executor) {}

  async get(name: string): Promise<Checkpoint | undefined> {
    checkCheckpoint(name, {}, 'checkpoints.get');
    const row = await this.executor.read(
      (db) => this.executor.connections.statement(db, SELECT).get(name) as CheckpointRow | undefined,
    );
    return row && toCheckpoint(row);
  }

  async list(options: { readonly prefix?: string } = {}): Promise<Checkpoint[]> {
    const prefix = checkPrefix(options, 'checkpoints.list');
    const rows = await this.executor.read(
      (db) => this.executor.connections.statement(db, LIST).all(prefix) as unknown as CheckpointRow[],
    );
    return rows.map(toCheckpoint);
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
    await this.executor.write(({ db }) => {
      const statement = (sql: string) => this.executor.connections.statement(db, sql);
      // Under the write lock the lease cannot change hands between this check and the write.
      if (lease !== undefined && statement(HOLDS).get(lease.name, lease.owner, lease.epoch) === undefined)
        throw new LeaseLostError(lease.name, lease.owner, lease.epoch);
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

  async acquireLease(name: string, owner: string, options: LeaseOptions): Promise<Lease | undefined> {
    checkLease(name, owner, options, 'checkpoints.acquireLease');
    const row = await this.executor.write(({ db }) => {
      const now = Date.now();
      return this.executor.connections.statement(db, ACQUIRE).get(name, owner, now + options.ttlMs, now) as
        LeaseRow | undefined;
    });
    return row && toLease(row);
  }

  async renewLease(lease: LeaseToken, options: LeaseOptions): Promise<Lease | undefined> {
    const subject = 'checkpoints.renewLease';
    checkLeaseToken(lease, subject);
    checkLease(lease.name, lease.owner, options, subject);
    const row = await this.executor.write(
      ({ db }) =>
        this.executor.connections
          .statement(db, RENEW)
          .get(Date.now() + options.ttlMs, lease.name, lease.owner, lease.epoch) as LeaseRow | undefined,
    );
    return row && toLease(row);
  }

  async releaseLease(lease: LeaseToken): Promise<boolean> {
    checkLeaseToken(lease, 'checkpoints.releaseLease');
    const { changes } = await this.executor.write(({ db }) =>
      this.executor.connections.statement(db, RELEASE).run(Date.now(), lease.name, lease.owner, lease.epoch),
    );
    return Number(changes) === 1;
  }

  async listLeases(options: { readonly prefix?: string } = {}): Promise<LeaseInfo[]> {
    const prefix = checkPrefix(options, 'checkpoints.listLeases');
    const rows = await this.executor.read(
      (db) => this.executor.connections.statement(db, LIST_LEASES).all(prefix) as unknown as LeaseRow[],
    );
    const now = Date.now();
    return rows.map((row) => ({ ...toLease(row), active: row.owner !== '' && Number(row.expires_at) > now }));
  }
}
