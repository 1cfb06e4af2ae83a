import { afterAll, describe, expect, it } from 'vitest';
import { Pool } from 'pg';
import { streamPartition } from '@whizbang/core';
import { postgresStore } from './postgres-store.js';
import { streamHash } from './schema/sql.js';
import { connectionString, dropSchemas, freshSchema, postgresAvailable } from './test-support/database.js';

const available = await postgresAvailable();

/** Stream names of every width of UTF-8: ASCII, Latin, CJK, astral (emoji), and mixes. */
function names(count: number): string[] {
  const ranges = [
    [0x21, 0x7e],
    [0xa0, 0x7ff],
    [0x800, 0xd7ff],
    [0xe000, 0xfffd],
    [0x10000, 0x10ffff],
  ] as const;
  let seed = 42;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const fixed = ['order-1', 'café-1', 'naïve/ü', '注文-42', '🧾-receipt', 'Ωμέγα', 'a\u0301', '%_\\'];
  const generated = Array.from({ length: count - fixed.length }, () => {
    let name = '';
    for (let i = 0, length = 1 + Math.floor(random() * 12); i < length; i++) {
      const [low, high] = ranges.at(Math.floor(random() * ranges.length)) ?? ranges[0];
      name += String.fromCodePoint(low + Math.floor(random() * (high - low + 1)));
    }
    return name;
  });
  return [...fixed, ...generated];
}

describe.runIf(available)('postgres: stream partitions', () => {
  afterAll(() => dropSchemas());

  it('hashes stream names in SQL exactly as streamPartition does', async () => {
    const pool = new Pool({ connectionString, max: 1 });
    try {
      const streams = names(3000);
      for (const count of [2, 3, 7, 1024]) {
        const { rows } = await pool.query<{ p: number }>(
          `SELECT (${streamHash('t.n')} % $2)::integer AS p FROM unnest($1::text[]) WITH ORDINALITY AS t (n, i) ORDER BY t.i`,
          [streams, count],
        );
        expect(rows.map((r) => r.p)).toEqual(streams.map((s) => streamPartition(s, count)));
      }
    } finally {
      await pool.end();
    }
  });

  it('reads each partition of non-ASCII streams from the log', async () => {
    const store = postgresStore({ connectionString, schema: freshSchema(), maxConnections: 2 });
    try {
      const streams = names(40);
      for (const stream of streams) await store.events.appendToStream(stream, [{ type: 'E', data: {} }]);
      const seen: string[] = [];
      for (let index = 0; index < 4; index++) {
        for await (const event of store.events.readAll({ filter: { partition: { count: 4, index } } })) {
          expect(streamPartition(event.stream, 4)).toBe(index);
          seen.push(event.stream);
        }
      }
      expect(seen.toSorted()).toEqual(streams.toSorted());
    } finally {
      await store.close();
    }
  });
});
