/**
 * Versioned, idempotent schema migrations. Each runs once, in order, inside the write lock
 * (`BEGIN IMMEDIATE`), so several processes opening the same file at once apply each exactly
 * once. A migration is never edited after release: changes are new migrations.
 */
import type { DatabaseSync } from 'node:sqlite';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'event store, documents, checkpoints, leases, snapshots, dead letters',
    sql: `
      CREATE TABLE streams (
        tenant_id  TEXT    NOT NULL,
        stream_id  TEXT    NOT NULL,
        version    INTEGER NOT NULL,
        deleted    INTEGER NOT NULL DEFAULT 0,
        archived   INTEGER NOT NULL DEFAULT 0,
        metadata   TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (tenant_id, stream_id)
      ) WITHOUT ROWID;

      -- AUTOINCREMENT: positions are never reused, even after the newest row is deleted.
      CREATE TABLE events (
        global_position INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant_id       TEXT    NOT NULL,
        stream_id       TEXT    NOT NULL,
        stream_version  INTEGER NOT NULL,
        event_id        TEXT    NOT NULL,
        type            TEXT    NOT NULL,
        schema_version  INTEGER NOT NULL,
        data            TEXT    NOT NULL,
        metadata        TEXT    NOT NULL,
        created_at      INTEGER NOT NULL,
        UNIQUE (tenant_id, stream_id, stream_version)
      );

      CREATE TABLE documents (
        tenant_id  TEXT    NOT NULL,
        collection TEXT    NOT NULL,
        id         TEXT    NOT NULL,
        version    INTEGER NOT NULL,
        data       TEXT    NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (tenant_id, collection, id)
      ) WITHOUT ROWID;

      CREATE TABLE checkpoints (
        name       TEXT    PRIMARY KEY,
        commit_pos INTEGER NOT NULL,
        position   INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;

      -- owner '' = released; the epoch survives a release so the next taker gets a higher one.
      CREATE TABLE leases (
        name       TEXT    PRIMARY KEY,
        owner      TEXT    NOT NULL,
        epoch      INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE snapshots (
        tenant_id      TEXT    NOT NULL,
        stream_id      TEXT    NOT NULL,
        version        INTEGER NOT NULL,
        schema_version INTEGER NOT NULL,
        state          TEXT    NOT NULL,
        created_at     INTEGER NOT NULL,
        PRIMARY KEY (tenant_id, stream_id)
      ) WITHOUT ROWID;

      -- Ids are UUIDv7, so id order is the order added; a position is both columns or neither.
      -- A rowid table: rows carry payloads and stacks, too large for WITHOUT ROWID to pay off.
      CREATE TABLE dead_letters (
        id           TEXT    PRIMARY KEY,
        source       TEXT    NOT NULL,
        tenant_id    TEXT    NOT NULL,
        message_id   TEXT    NOT NULL,
        message_type TEXT    NOT NULL,
        commit_pos   INTEGER,
        position     INTEGER,
        payload      TEXT    NOT NULL,
        error        TEXT    NOT NULL,
        attempts     INTEGER NOT NULL,
        created_at   INTEGER NOT NULL,
        CHECK ((commit_pos IS NULL) = (position IS NULL))
      );
      CREATE INDEX dead_letters_by_source ON dead_letters (source, id);
      CREATE INDEX dead_letters_by_tenant ON dead_letters (tenant_id, id);
    `,
  },
  {
    version: 2,
    name: 'outbox and inbox',
    sql: `
      -- seq orders messages due at the same time; claimed_until = 0 means unclaimed.
      CREATE TABLE outbox (
        seq           INTEGER PRIMARY KEY,
        id            TEXT    NOT NULL UNIQUE,
        destination   TEXT    NOT NULL,
        type          TEXT    NOT NULL,
        body          TEXT    NOT NULL,
        headers       TEXT    NOT NULL,
        msg_key       TEXT,
        tenant_id     TEXT    NOT NULL,
        deliver_at    INTEGER NOT NULL,
        created_at    INTEGER NOT NULL,
        attempts      INTEGER NOT NULL DEFAULT 0,
        last_error    TEXT,
        claimed_by    TEXT,
        claimed_until INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX outbox_due ON outbox (deliver_at, seq);

      CREATE TABLE inbox (
        group_name TEXT    NOT NULL,
        message_id TEXT    NOT NULL,
        handled_at INTEGER NOT NULL,
        PRIMARY KEY (group_name, message_id)
      ) WITHOUT ROWID;
      CREATE INDEX inbox_by_time ON inbox (handled_at);
    `,
  },
];

/** Applies every migration newer than the database's version; returns the versions applied. */
export function migrate(db: DatabaseSync): number[] {
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec(`CREATE TABLE IF NOT EXISTS whizbang_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT    NOT NULL,
      applied_at INTEGER NOT NULL
    )`);
    const row = db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM whizbang_migrations').get() as {
      v: number;
    };
    const applied: number[] = [];
    const record = db.prepare('INSERT INTO whizbang_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const migration of migrations) {
      if (migration.version <= row.v) continue;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
      applied.push(migration.version);
    }
    db.exec('COMMIT');
    return applied;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}
