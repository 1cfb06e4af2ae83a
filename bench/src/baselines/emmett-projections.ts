/**
 * Baseline: Emmett's async projections on PostgreSQL (@event-driven-io/emmett-postgresql
 * 0.42), set up as its documentation shows: a `postgreSQLEventStoreConsumer` with one
 * projector running a `pongoSingleStreamProjection` (one document per stream in a Pongo
 * collection), started from the beginning of the log and stopped when no events are left.
 *
 * Given every chance: the consumer pulls pages of the same size as the others (500, default
 * 100) and does not pause between full pages (`pullingFrequencyInMs: 0`, default 50 ms).
 * What is left is how Emmett 0.42 works: each page runs in one transaction, in which the
 * projector handles the events one at a time (a Pongo client, a `findOne` and an insert or
 * replace of the document, and a checkpoint update per event); after its first page the puller
 * sleeps 100 ms once.
 *
 * Emmett lives in the `public` schema of the database (it creates its tables there on first
 * use); `reset` empties them with its own `schema.dangerous.truncate`.
 */
import {
  getPostgreSQLEventStore,
  pongoSingleStreamProjection,
  postgreSQLEventStoreConsumer,
  type PostgresEventStore,
  type PostgresReadEventMetadata,
} from '@event-driven-io/emmett-postgresql';
import type { Pool } from 'pg';
import type { Deposit } from '../projections/summaries.js';
import { summarize, type Summary } from './raw-projector-pg.js';

type Deposited = Deposit['events'][number];

export class EmmettProjections {
  readonly store: PostgresEventStore;
  readonly #connectionString: string;
  readonly #admin: Pool;
  #collections: string[] = [];

  constructor(connectionString: string, admin: Pool) {
    this.#connectionString = connectionString;
    this.#admin = admin;
    this.store = getPostgreSQLEventStore(connectionString);
  }

  /** Creates Emmett's schema if needed and empties its events, streams, checkpoints and projections. */
  async reset(): Promise<void> {
    await this.store.schema.migrate();
    await this.store.schema.dangerous.truncate({ resetSequences: true, truncateProjections: true });
    await this.#dropCollections();
  }

  async append(stream: string, events: readonly Deposited[]): Promise<void> {
    await this.store.appendToStream(stream, [...events]);
  }

  /** Projects the whole log into a new collection; resolves when the consumer stops. */
  async catchUp(collection: string, batchSize: number): Promise<void> {
    this.#collections.push(collection);
    const consumer = postgreSQLEventStoreConsumer({
      connectionString: this.#connectionString,
      stopWhen: { noMessagesLeft: true },
      pulling: { batchSize, pullingFrequencyInMs: 0 },
    });
    consumer.projector<Deposited>({
      processorId: collection,
      projection: pongoSingleStreamProjection<Summary, Deposited, PostgresReadEventMetadata, Deposited>({
        collectionName: collection,
        canHandle: ['Deposited'],
        initialState: () => ({ count: 0, sum: 0, lastVersion: 0 }),
        evolve: (doc: Summary, event: Deposited & { metadata: { streamPosition: bigint } }) =>
          summarize(doc, { stream: '', version: Number(event.metadata.streamPosition), data: event.data }),
      }),
    });
    try {
      await consumer.start();
    } finally {
      await consumer.close();
    }
  }

  async totals(collection: string): Promise<{ count: number; sum: number }> {
    const { rows } = await this.#admin.query(
      `SELECT coalesce(sum((data->>'count')::bigint), 0) AS count, coalesce(sum((data->>'sum')::bigint), 0) AS sum
         FROM public."${collection}"`,
    );
    const row = rows[0] as { count: string; sum: string };
    return { count: Number(row.count), sum: Number(row.sum) };
  }

  async #dropCollections(): Promise<void> {
    for (const name of this.#collections) await this.#admin.query(`DROP TABLE IF EXISTS public."${name}"`);
    this.#collections = [];
  }

  /** Drops the collections and empties Emmett's tables, leaving no 100,000-event log behind. */
  async close(): Promise<void> {
    await this.#dropCollections();
    await this.store.schema.dangerous.truncate({ resetSequences: true, truncateProjections: true });
    await this.store.close();
  }
}
