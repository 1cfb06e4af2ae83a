/**
 * Baseline: a projection written by hand with plain `pg`, the floor under the projection
 * daemon. It reads the same events table Whizbang writes, page by page in the log's order
 * ((transaction_id, global_position), below the oldest running transaction so a late commit
 * is never skipped), keeps only the columns it needs, folds each page into one summary
 * document per stream in JavaScript, and writes the touched documents (one upsert statement)
 * and its checkpoint in one transaction. No tenants, no envelope, no leases, no retries.
 *
 * With `partitions > 1` it runs one worker per partition, each on its own connection, reading
 * the streams whose hash (the same MD5-based hash as `streamPartition`) falls in its
 * partition. The hash test is wrapped in a CASE: written plainly (`hash % n = i`), PostgreSQL
 * guesses it keeps 0.5 % of the rows, expects the page's LIMIT not to fill, and plans a
 * sequential scan and sort of the rest of the log for every page (see bench/RESULTS.md).
 */
import type { Pool, PoolClient } from 'pg';

/** A type rather than an interface, so it fits Pongo's `PongoDocument` index signature. */
export type Summary = { count: number; sum: number; lastVersion: number };

export interface RawEvent {
  readonly stream: string;
  readonly version: number;
  readonly data: { readonly amount: number; readonly seq?: number };
}

/** The fold every system runs: count, sum of the amounts, last stream version. */
export function summarize(doc: Summary, event: RawEvent): Summary {
  return { count: doc.count + 1, sum: doc.sum + event.data.amount, lastVersion: event.version };
}

/** A position in the log: (transaction id, global position), as text. */
export interface RawPosition {
  readonly transactionId: string;
  readonly position: string;
}

const HASH = `('x' || left(md5(convert_to(e.stream_id, 'UTF8')), 8))::bit(32)::bigint`;

export interface RawPgProjectorOptions {
  readonly pool: Pool;
  /** The schema holding Whizbang's `events` table, which the baseline reads. */
  readonly eventsSchema: string;
  /** Its own schema, for its documents and checkpoints. */
  readonly schema: string;
  readonly eventType: string;
  readonly batchSize: number;
}

interface Page {
  stream_id: string;
  stream_version: string;
  data: { amount: number; seq?: number };
  transaction_id: string;
  global_position: string;
}

export class RawPgProjector {
  readonly #o: RawPgProjectorOptions;

  constructor(options: RawPgProjectorOptions) {
    this.#o = options;
  }

  async setup(): Promise<void> {
    const s = this.#o.schema;
    await this.#o.pool.query(`DROP SCHEMA IF EXISTS ${s} CASCADE; CREATE SCHEMA ${s};
      CREATE TABLE ${s}.documents (id text PRIMARY KEY, data jsonb NOT NULL);
      CREATE TABLE ${s}.checkpoints (name text PRIMARY KEY, transaction_id xid8 NOT NULL, position bigint NOT NULL);`);
  }

  /** Empties the documents and checkpoints (between rounds). */
  async reset(): Promise<void> {
    const s = this.#o.schema;
    await this.#o.pool.query(`TRUNCATE ${s}.documents, ${s}.checkpoints`);
    await this.#o.pool.query(`VACUUM ANALYZE ${s}.documents`);
  }

  /** Where the log ends now, for a projection that starts at the head. */
  async head(): Promise<RawPosition> {
    const { rows } = await this.#o.pool.query(
      `SELECT e.transaction_id::text AS transaction_id, e.global_position FROM ${this.#o.eventsSchema}.events e
        WHERE e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY e.transaction_id DESC, e.global_position DESC LIMIT 1`,
    );
    const row = rows[0] as Page | undefined;
    return { transactionId: row?.transaction_id ?? '0', position: row?.global_position ?? '0' };
  }

  /** Projects from the checkpoint until a page comes back short, with `partitions` workers. */
  async catchUp(partitions: number): Promise<void> {
    await Promise.all(Array.from({ length: partitions }, (_, index) => this.#run(partitions, index)));
  }

  /** Projects from `from`, then again at every wake-up, until `stopped()` says so after one. */
  async tail(
    wake: () => Promise<void>,
    stopped: () => boolean,
    onCommit: (events: readonly RawEvent[]) => void,
    from: RawPosition,
  ): Promise<void> {
    let position = from;
    while (!stopped()) {
      const waiting = wake();
      position = await this.#run(1, 0, onCommit, position);
      await waiting;
    }
  }

  /** Pages until one comes back short; `onCommit` hears each page's events after its COMMIT. */
  async #run(
    partitions: number,
    index: number,
    onCommit: (events: readonly RawEvent[]) => void = () => undefined,
    from?: RawPosition,
  ): Promise<RawPosition> {
    const { pool, schema: s, eventsSchema, eventType, batchSize } = this.#o;
    const name = `summaries/${index}-of-${partitions}`;
    const client: PoolClient = await pool.connect();
    try {
      let after = from;
      if (!after) {
        const { rows } = await client.query(
          `SELECT transaction_id::text AS transaction_id, position FROM ${s}.checkpoints WHERE name = $1`,
          [name],
        );
        const row = rows[0] as { transaction_id: string; position: string } | undefined;
        after = { transactionId: row?.transaction_id ?? '0', position: row?.position ?? '0' };
      }
      const partitionTest =
        partitions > 1 ? `AND (CASE WHEN ${HASH} % ${partitions} = ${index} THEN true END)` : '';
      for (;;) {
        const { rows } = (await client.query(
          `SELECT e.stream_id, e.stream_version, e.data, e.transaction_id::text AS transaction_id, e.global_position
             FROM ${eventsSchema}.events e
            WHERE (e.transaction_id, e.global_position) > ($1::text::xid8, $2::bigint)
              AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
              AND e.type = $3 ${partitionTest}
            ORDER BY e.transaction_id, e.global_position
            LIMIT $4`,
          [after.transactionId, after.position, eventType, batchSize],
        )) as { rows: Page[] };
        if (rows.length === 0) return after;
        const events: RawEvent[] = rows.map((row) => ({
          stream: row.stream_id,
          version: Number(row.stream_version),
          data: row.data,
        }));
        const ids = [...new Set(events.map((e) => e.stream))];
        const last = rows[rows.length - 1]!;
        await client.query('BEGIN');
        try {
          const stored = await client.query(
            `SELECT id, data FROM ${s}.documents WHERE id = ANY($1::text[])`,
            [ids],
          );
          const docs = new Map<string, Summary>(
            (stored.rows as { id: string; data: Summary }[]).map((row) => [row.id, row.data]),
          );
          for (const event of events)
            docs.set(
              event.stream,
              summarize(docs.get(event.stream) ?? { count: 0, sum: 0, lastVersion: 0 }, event),
            );
          const json = JSON.stringify(ids.map((id) => ({ id, data: docs.get(id) })));
          await client.query(
            `INSERT INTO ${s}.documents (id, data) SELECT d.id, d.data FROM jsonb_to_recordset($1::jsonb) AS d(id text, data jsonb)
             ON CONFLICT (id) DO UPDATE SET data = excluded.data`,
            [json],
          );
          await client.query(
            `INSERT INTO ${s}.checkpoints VALUES ($1, $2::text::xid8, $3)
             ON CONFLICT (name) DO UPDATE SET transaction_id = excluded.transaction_id, position = excluded.position`,
            [name, last.transaction_id, last.global_position],
          );
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
        onCommit(events);
        after = { transactionId: last.transaction_id, position: last.global_position };
        if (rows.length < batchSize) return after;
      }
    } finally {
      client.release();
    }
  }

  /** Count and sum over every document, to check the run projected every event once. */
  async totals(): Promise<{ count: number; sum: number }> {
    const { rows } = await this.#o.pool.query(
      `SELECT coalesce(sum((data->>'count')::bigint), 0) AS count, coalesce(sum((data->>'sum')::bigint), 0) AS sum
         FROM ${this.#o.schema}.documents`,
    );
    const row = rows[0] as { count: string; sum: string };
    return { count: Number(row.count), sum: Number(row.sum) };
  }
}
