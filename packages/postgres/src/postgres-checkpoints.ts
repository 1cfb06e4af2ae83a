/**
 * Named log positions and the leases that fence them, on PostgreSQL. A checkpoint moves only by
 * compare-and-set in one statement; with a lease, the same statement share-locks the lease row
 * at the token's owner and epoch, so no one can take the lease over until the transaction that
 * wrote the checkpoint (and the read models beside it) has ended. Lease expiry is by the
 * database's clock, never a client's.
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
import { PREPARED, type Executor } from './executor.js';

interface CheckpointRow {
  name: string;
  commit_pos: string;
  position: string;
  updated_at: Date;
}

interface LeaseRow {
  name: string;
  owner: string;
  epoch: string;
  expires_at: Date;
  active?: boolean;
}

const LEASE_COLUMNS = 'name, owner, epoch, expires_at';
/** `expires_at` for a lease lasting `$n` ms from now, by the database's clock. */
const expiry = (n: number) => `clock_timestamp() + $${n}::float8 * interval '1 millisecond'`;

const toCheckpoint = (row: CheckpointRow): Checkpoint => ({
  name: row.name,
  position: { commit: BigInt(row.commit_pos), position: BigInt(row.position) },
  updatedAt: row.updated_at,
});

const toLease = (row: LeaseRow): Lease => ({
  name: row.name,
  owner: row.owner,
  epoch: Number(row.epoch),
  expiresAt: row.expires_at,
});

export class PostgresCheckpoints implements CheckpointStore {
  constructor(readonly executor: Executor) {}

  get #s(): string {
    return this.executor.db.s;
  }

  async get(name: string): Promise<Checkpoint | undefined> {
    checkCheckpoint(name, {}, 'checkpoints.get');
    const { rows } = await this.executor
      .acrossTenants('checkpoints.get')
      .query(
        `SELECT name, commit_pos, position, updated_at FROM ${this.#s}.checkpoints WHERE name = $1`,
        [name],
        PREPARED,
      );
    const row = rows[0] as CheckpointRow | undefined;
    return row && toCheckpoint(row);
  }

  async list(options: { readonly prefix?: string } = {}): Promise<Checkpoint[]> {
    const prefix = checkPrefix(options, 'checkpoints.list');
    const { rows } = await this.executor.acrossTenants('checkpoints.list').query(
      `SELECT name, commit_pos, position, updated_at FROM ${this.#s}.checkpoints
        WHERE starts_with(name, $1::text)
        ORDER BY name COLLATE "C"`,
      [prefix],
    );
    return (rows as CheckpointRow[]).map(toCheckpoint);
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
    const params: unknown[] = [name, String(next.commit), String(next.position)];
    if (expected !== undefined) params.push(String(expected.commit), String(expected.position));
    const held = lease === undefined ? 'true' : 'EXISTS (SELECT 1 FROM fence)';
    const write =
      expected === undefined
        ? `INSERT INTO ${this.#s}.checkpoints (name, commit_pos, position) SELECT $1::text, $2::bigint, $3::bigint WHERE ${held}
            ON CONFLICT (name) DO NOTHING RETURNING 1`
        : `UPDATE ${this.#s}.checkpoints SET commit_pos = $2, position = $3, updated_at = now()
            WHERE name = $1 AND commit_pos = $4 AND position = $5 AND ${held} RETURNING 1`;
    let moved: boolean;
    if (lease === undefined) {
      moved =
        (await this.executor.acrossTenants('checkpoints.compareAndSet').query(write, params, PREPARED))
          .rowCount === 1;
    } else {
      // FOR SHARE waits for a takeover in flight and then rechecks the owner and epoch; once
      // granted, it keeps the lease from changing hands until this transaction ends.
      const n = params.length;
      params.push(lease.name, lease.owner, lease.epoch);
      const { rows } = await this.executor.acrossTenants('checkpoints.compareAndSet').query(
        `WITH fence AS MATERIALIZED (
           SELECT 1 FROM ${this.#s}.leases WHERE name = $${n + 1} AND owner = $${n + 2} AND epoch = $${n + 3} FOR SHARE
         ), moved AS (${write})
         SELECT EXISTS (SELECT 1 FROM fence) AS held, EXISTS (SELECT 1 FROM moved) AS moved`,
        params,
        PREPARED,
      );
      const row = rows[0] as { held: boolean; moved: boolean };
      if (!row.held) throw new LeaseLostError(lease.name, lease.owner, lease.epoch);
      moved = row.moved;
    }
    if (moved) return;
    const current = await this.get(name);
    throw new CheckpointConflictError(name, expected, current?.position);
  }

  async delete(name: string): Promise<void> {
    checkCheckpoint(name, {}, 'checkpoints.delete');
    await this.executor
      .acrossTenants('checkpoints.delete')
      .query(`DELETE FROM ${this.#s}.checkpoints WHERE name = $1`, [name]);
  }

  async acquireLease(name: string, owner: string, options: LeaseOptions): Promise<Lease | undefined> {
    checkLease(name, owner, options, 'checkpoints.acquireLease');
    // One statement: a new lease starts at epoch 1; its holder renews it (same epoch, even past
    // expiry); a released or expired one changes hands (epoch + 1); a held one stays put. A
    // racing insert makes the others wait and then see the winner's row.
    const { rows } = await this.executor.acrossTenants('checkpoints.acquireLease').query(
      `INSERT INTO ${this.#s}.leases AS l (name, owner, epoch, expires_at) VALUES ($1, $2, 1, ${expiry(3)})
       ON CONFLICT (name) DO UPDATE
         SET owner = excluded.owner,
             epoch = CASE WHEN l.owner = excluded.owner THEN l.epoch ELSE l.epoch + 1 END,
             expires_at = excluded.expires_at
       WHERE l.owner = excluded.owner OR l.owner = '' OR l.expires_at <= clock_timestamp()
       RETURNING ${LEASE_COLUMNS}`,
      [name, owner, options.ttlMs],
      PREPARED,
    );
    const row = rows[0] as LeaseRow | undefined;
    return row && toLease(row);
  }

  async renewLease(lease: LeaseToken, options: LeaseOptions): Promise<Lease | undefined> {
    checkLeaseToken(lease, 'checkpoints.renewLease');
    checkLease(lease.name, lease.owner, options, 'checkpoints.renewLease');
    const { rows } = await this.executor.acrossTenants('checkpoints.renewLease').query(
      `UPDATE ${this.#s}.leases SET expires_at = ${expiry(4)}
        WHERE name = $1 AND owner = $2 AND epoch = $3
        RETURNING ${LEASE_COLUMNS}`,
      [lease.name, lease.owner, lease.epoch, options.ttlMs],
      PREPARED,
    );
    const row = rows[0] as LeaseRow | undefined;
    return row && toLease(row);
  }

  async releaseLease(lease: LeaseToken): Promise<boolean> {
    checkLeaseToken(lease, 'checkpoints.releaseLease');
    // The epoch stays, so the next taker gets a new one and this token stays fenced.
    const { rowCount } = await this.executor.acrossTenants('checkpoints.releaseLease').query(
      `UPDATE ${this.#s}.leases SET owner = '', expires_at = clock_timestamp()
        WHERE name = $1 AND owner = $2 AND epoch = $3`,
      [lease.name, lease.owner, lease.epoch],
    );
    return rowCount === 1;
  }

  async listLeases(options: { readonly prefix?: string } = {}): Promise<LeaseInfo[]> {
    const prefix = checkPrefix(options, 'checkpoints.listLeases');
    const { rows } = await this.executor.acrossTenants('checkpoints.listLeases').query(
      `SELECT ${LEASE_COLUMNS}, owner <> '' AND expires_at > clock_timestamp() AS active FROM ${this.#s}.leases
        WHERE starts_with(name, $1::text)
        ORDER BY name COLLATE "C"`,
      [prefix],
    );
    return (rows as LeaseRow[]).map((row) => ({ ...toLease(row), active: row.active === true }));
  }
}
