import { Client, Pool } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { compareLogPositions, isConcurrencyError, LOG_START, type RecordedEvent } from '@whizbang/core';
import { postgresStore } from './postgres-store.js';
import { connectionString, dropSchemas, freshSchema, postgresAvailable } from './test-support/database.js';

const available = await postgresAvailable();

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

// What only PostgreSQL has: a pool the user owns, migrations across processes, and readers
// held back by a long transaction. The shared semantics are in the conformance suite.
describe.runIf(available)('postgresStore', () => {
  afterAll(() => dropSchemas('wbp'));

  it('uses the pool it is given, releases every client on every path, and leaves the pool open', async () => {
    const pool = new Pool({ connectionString, max: 3 });
    const store = postgresStore({ pool, schema: freshSchema('wbp') });
    await store.events.appendToStream('s', [{ type: 'E', data: {} }]);
    const failures = await Promise.allSettled([
      ...Array.from({ length: 10 }, () =>
        store.events.appendToStreams([
          { stream: 'a', events: [{ type: 'E', data: {} }] },
          { stream: 's', events: [{ type: 'E', data: {} }], expectedVersion: 'no_stream' },
        ]),
      ),
      ...Array.from({ length: 10 }, () =>
        store.transaction(async () => Promise.reject(new Error('work failed'))),
      ),
      ...Array.from({ length: 10 }, () => store.events.deleteStream('missing')),
    ]);
    expect(failures.every((r) => r.status === 'rejected')).toBe(true);
    expect(failures.slice(0, 10).every((r) => r.status === 'rejected' && isConcurrencyError(r.reason))).toBe(
      true,
    );
    for await (const _ of store.events.readAll()) break;
    expect(pool.waitingCount).toBe(0);
    expect(pool.idleCount).toBe(pool.totalCount);
    await store.close();
    const { rows } = await pool.query('SELECT 1 AS ok');
    expect(rows[0]).toEqual({ ok: 1 });
    await pool.end();
  });

  it('migrates once when many processes start at the same time', async () => {
    const schema = freshSchema('wbp');
    const stores = Array.from({ length: 5 }, () =>
      postgresStore({ connectionString, schema, maxConnections: 1 }),
    );
    await Promise.all(stores.map((store) => store.migrate()));
    const client = new Client({ connectionString });
    await client.connect();
    const { rows } = await client.query<{ version: number; n: number }>(
      `SELECT version, count(*)::int AS n FROM "${schema}".migrations GROUP BY version`,
    );
    await client.end();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    await Promise.all(stores.map((store) => store.close()));
  });

  it('wakes a subscriber in another process by NOTIFY, without waiting for its poll', async () => {
    const schema = freshSchema('wbp');
    const writer = postgresStore({ connectionString, schema });
    const reader = postgresStore({ connectionString, schema });
    await writer.migrate();
    const controller = new AbortController();
    const started = Date.now();
    const received = (async () => {
      for await (const event of reader.events.subscribe({
        pollIntervalMs: 60_000,
        signal: controller.signal,
      })) {
        controller.abort();
        return event.stream;
      }
      return undefined;
    })();
    await new Promise((resolve) => setTimeout(resolve, 200)); // the reader is listening and waiting
    await writer.events.appendToStream('woken', [{ type: 'E', data: {} }]);
    expect(await received).toBe('woken');
    expect(Date.now() - started).toBeLessThan(10_000);
    await writer.close();
    await reader.close();
  });

  it('holds readers back behind a running transaction, names it, and delivers once it commits', async () => {
    const store = postgresStore({ connectionString, schema: freshSchema('wbp') });
    await store.events.appendToStream('before', [{ type: 'E', data: {} }]);
    // A writer that took its transaction id and has not committed yet.
    const slow = new Client({ connectionString, application_name: 'slow-writer' });
    await slow.connect();
    await slow.query('BEGIN');
    await slow.query('SELECT pg_current_xact_id()');
    await store.events.appendToStream('after', [{ type: 'E', data: {} }]);

    const visible = (await collect(store.events.readAll())).map((e: RecordedEvent) => e.stream);
    expect(visible).toEqual(['before']);
    // The gap-safe head stays before the running transaction; the committed head does not.
    const before = (await collect(store.events.readAll())).at(0)!.logPosition;
    expect(await store.events.readHeadPosition()).toEqual(before);
    const committed = await store.events.readHeadPosition({ committed: true });
    expect(compareLogPositions(committed, before)).toBeGreaterThan(0);
    const blocking = await store.blockingTransactions();
    expect(blocking.some((t) => t.applicationName === 'slow-writer' && t.ageMs >= 0)).toBe(true);

    await slow.query('COMMIT');
    await slow.end();
    expect((await collect(store.events.readAll({ after: LOG_START }))).map((e) => e.stream)).toEqual([
      'before',
      'after',
    ]);
    expect(await store.events.readHeadPosition()).toEqual(committed);
    await store.close();
  });
});
