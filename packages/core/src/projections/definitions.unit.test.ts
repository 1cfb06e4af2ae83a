import { describe, expect, it } from 'vitest';
import { isValidationError, type ValidationError } from '../errors/catalog.js';
import { defineTable } from '../store/table-definition.js';
import { defineProjection, type ProjectionOptions } from './define-projection.js';
import { defineReactor } from './define-reactor.js';
import type { Event } from '../messages/define.js';

const valid: ProjectionOptions<{ n: number }, Event> = {
  name: 'counts',
  initialState: () => ({ n: 0 }),
  handlers: { Ticked: (doc: { n: number }) => ({ n: doc.n + 1 }) },
};

function refusal(define: () => unknown): ValidationError {
  try {
    define();
  } catch (error) {
    if (isValidationError(error)) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('defineProjection', () => {
  it('fills in defaults and keeps handlers by event type', () => {
    const projection = defineProjection(valid);
    expect(projection).toMatchObject({
      name: 'counts',
      version: 1,
      lifecycle: 'async',
      partitions: 1,
      keyedByStream: true,
      eventTypes: ['Ticked'],
      errors: { maxAttempts: 3, backoffMs: 50, onFailure: 'dead-letter' },
      rebuild: { sampleSize: 100, minAccuracy: 1, keepPreviousMs: 86_400_000 },
    });
    expect(projection.collection.name).toBe('counts');
    expect(Object.isFrozen(projection)).toBe(true);
  });

  it('names each problem with its path', () => {
    const cases: [Partial<ProjectionOptions<{ n: number }, Event>>, string][] = [
      [{ name: 'no spaces' }, 'name'],
      [{ version: 0 }, 'version'],
      [{ lifecycle: 'eventually' as never }, 'lifecycle'],
      [{ partitions: 2, lifecycle: 'inline' }, 'partitions'],
      [{ partitions: 2, identity: () => 'x' }, 'partitions'],
      [{ handlers: {} }, 'handlers'],
      [{ errors: { onFailure: 'ignore' as never } }, 'errors.onFailure'],
      [{ rebuild: { minAccuracy: 1.5 } }, 'rebuild.minAccuracy'],
      [{ table: defineTable('t', { columns: {} }), collection: 'c' }, 'table'],
    ];
    for (const [change, path] of cases) {
      const error = refusal(() => defineProjection({ ...valid, ...change }));
      expect([JSON.stringify(change), error.issues[0]?.path]).toEqual([JSON.stringify(change), [path]]);
      expect(error.subject).toBe('defineProjection');
    }
  });

  it('identifies documents: by stream, or by the event, once each', () => {
    const byCustomer = defineProjection({
      ...valid,
      identity: (e) => (e.data as { ids: string[] }).ids,
    });
    const event = { type: 'Ticked', stream: 's-1', data: { ids: ['a', 'b', 'a'] } } as never;
    expect(byCustomer.identify(event)).toEqual(['a', 'b']);
    expect(defineProjection(valid).identify(event)).toEqual(['s-1']);
    expect(defineProjection(valid).identify({ type: 'Other', stream: 's-1' } as never)).toEqual([]);
  });

  it('gives a table row its key from the identity', () => {
    const table = defineTable<{ customer: string; n: number | null }>('totals', {
      key: 'customer',
      columns: { n: 'integer' },
    });
    const projection = defineProjection({ ...valid, name: 'totals', table } as never);
    expect(projection.target).toEqual({ kind: 'table', table });
    expect(projection.initialFor('c-1')).toEqual({ n: 0, customer: 'c-1' });
  });
});

describe('defineReactor and defineTable', () => {
  it('refuse what cannot run', () => {
    expect(refusal(() => defineReactor({ name: 'r', handlers: {} })).issues[0]?.path).toEqual(['handlers']);
    expect(
      refusal(() =>
        defineReactor({ name: 'r', startFrom: 'yesterday' as never, handlers: { E: () => undefined } }),
      ).issues[0]?.path,
    ).toEqual(['startFrom']);
    expect(refusal(() => defineTable('Bad', { columns: {} })).issues[0]?.path).toEqual(['name']);
    expect(refusal(() => defineTable('events', { columns: {} })).issues[0]?.path).toEqual(['name']);
    expect(refusal(() => defineTable('t', { columns: { tenant_id: 'text' } })).issues[0]?.path).toEqual([
      'columns.tenant_id',
    ]);
    expect(refusal(() => defineTable('t', { columns: { n: 'float' as never } })).issues[0]?.path).toEqual([
      'columns.n',
    ]);
    expect(refusal(() => defineTable('t', { columns: {}, indexes: [['nope']] })).issues[0]?.path).toEqual([
      'indexes[0]',
    ]);
  });
});
