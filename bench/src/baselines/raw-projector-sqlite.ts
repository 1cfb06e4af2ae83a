/**
 * Baseline: the hand-written projection of `raw-projector-pg.ts` on `node:sqlite`. It opens
 * the database file Whizbang's SQLite store writes (WAL, synchronous=FULL, as the store does),
 * reads its `events` table in global_position order, keeps only the columns it needs, folds
 * each page into one summary per stream, and writes the touched documents (one upsert
 * statement) and its checkpoint in one `BEGIN IMMEDIATE` transaction, in tables of its own.
 *
 * With `partitions > 1` it runs one worker per partition, taking turns between pages as the
 * daemon's shards do in one process, each reading the streams whose hash (the same MD5-based
 * hash as `streamPartition`, registered as an SQL function) falls in its partition.
 */
import { createHash } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { summarize, type RawEvent, type Summary } from './raw-projector-pg.js';

export class RawSqliteProjector {
  readonly #db: DatabaseSync;
  readonly #eventType: string;
  readonly #batchSize: number;

  constructor(path: string, options: { readonly eventType: string; readonly batchSize: number }) {
    this.#eventType = options.eventType;
    this.#batchSize = options.batchSize;
    this.#db = new DatabaseSync(path);
    this.#db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;
      DROP TABLE IF EXISTS raw_documents; DROP TABLE IF EXISTS raw_checkpoints;
      CREATE TABLE raw_documents (id TEXT PRIMARY KEY, data TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE raw_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL) WITHOUT ROWID;`);
    this.#db.function(
      'raw_partition',
      { deterministic: true },
      (stream, count) => createHash('md5').update(String(stream)).digest().readUInt32BE(0) % Number(count),
    );
  }

  reset(): void {
    this.#db.exec('DELETE FROM raw_documents; DELETE FROM raw_checkpoints;');
  }

  async catchUp(partitions: number): Promise<void> {
    await Promise.all(Array.from({ length: partitions }, (_, index) => this.#run(partitions, index)));
  }

  async #run(partitions: number, index: number): Promise<void> {
    const db = this.#db;
    const name = `summaries/${index}-of-${partitions}`;
    const page = db.prepare(
      `SELECT global_position, stream_id, stream_version, data FROM events
        WHERE global_position > ? AND type = ? ${partitions > 1 ? 'AND raw_partition(stream_id, ?) = ?' : ''}
        ORDER BY global_position LIMIT ?`,
    );
    const load = db.prepare(
      'SELECT id, data FROM raw_documents WHERE id IN (SELECT value FROM json_each(?))',
    );
    const upsert = db.prepare(
      `INSERT INTO raw_documents (id, data) SELECT value ->> 0, value ->> 1 FROM json_each(?) WHERE true
       ON CONFLICT (id) DO UPDATE SET data = excluded.data`,
    );
    const checkpoint = db.prepare(
      'INSERT INTO raw_checkpoints VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position',
    );
    const stored = db.prepare('SELECT position FROM raw_checkpoints WHERE name = ?').get(name) as
      { position: number } | undefined;
    let after = stored?.position ?? 0;
    for (;;) {
      const args = partitions > 1 ? [partitions, index] : [];
      const rows = page.all(after, this.#eventType, ...args, this.#batchSize) as {
        global_position: number;
        stream_id: string;
        stream_version: number;
        data: string;
      }[];
      if (rows.length === 0) return;
      const events: RawEvent[] = rows.map((row) => ({
        stream: row.stream_id,
        version: row.stream_version,
        data: JSON.parse(row.data) as RawEvent['data'],
      }));
      const ids = [...new Set(events.map((e) => e.stream))];
      db.exec('BEGIN IMMEDIATE');
      try {
        const docs = new Map<string, Summary>(
          (load.all(JSON.stringify(ids)) as { id: string; data: string }[]).map((row) => [
            row.id,
            JSON.parse(row.data) as Summary,
          ]),
        );
        for (const event of events)
          docs.set(
            event.stream,
            summarize(docs.get(event.stream) ?? { count: 0, sum: 0, lastVersion: 0 }, event),
          );
        upsert.run(JSON.stringify(ids.map((id) => [id, JSON.stringify(docs.get(id))])));
        after = rows[rows.length - 1]!.global_position;
        checkpoint.run(name, after);
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
      if (rows.length < this.#batchSize) return;
      // Other partitions' workers take their turn, as the daemon's shards do between batches.
      if (partitions > 1) await yieldToLoop();
    }
  }

  totals(): { count: number; sum: number } {
    const row = this.#db
      .prepare(
        "SELECT coalesce(sum(data ->> 'count'), 0) AS count, coalesce(sum(data ->> 'sum'), 0) AS sum FROM raw_documents",
      )
      .get() as { count: number; sum: number };
    return row;
  }

  close(): void {
    this.#db.close();
  }
}
