import { describe, expect, it } from 'vitest';
import { cachedDocument, cachedState, DocumentCache } from './document-cache.js';

const doc = (id: string, version: number, tenantId = 't') => ({
  tenantId,
  id,
  version,
  kept: version === 0 ? undefined : { json: `{"v":${version}}` },
});

describe('DocumentCache', () => {
  it('keeps the last write of each document, per tenant', () => {
    const cache = new DocumentCache(10);
    cache.remember([doc('a', 1), doc('a', 1, 'u')]);
    cache.remember([doc('a', 2)]);
    expect(cache.get('t', 'a')).toEqual(doc('a', 2));
    expect(cache.get('u', 'a')).toEqual(doc('a', 1, 'u'));
    expect(cache.get('t', 'b')).toBeUndefined();
  });

  it('forgets the least recently written beyond its capacity', () => {
    const cache = new DocumentCache(2);
    cache.remember([doc('a', 1), doc('b', 1)]);
    cache.remember([doc('a', 2), doc('c', 1)]);
    expect(cache.size).toBe(2);
    expect(cache.get('t', 'b')).toBeUndefined();
    expect(cache.get('t', 'a')?.version).toBe(2);
    expect(cache.get('t', 'c')?.version).toBe(1);
  });

  it('keeps nothing with capacity 0, and nothing after clear', () => {
    const none = new DocumentCache(0);
    none.remember([doc('a', 1)]);
    expect(none.size).toBe(0);
    const cache = new DocumentCache(5);
    cache.remember([doc('a', 1), doc('b', 0)]);
    expect(cache.get('t', 'b')).toEqual(doc('b', 0));
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('forgets the documents it is told to, and keeps plain data as the object', () => {
    const cache = new DocumentCache(5);
    cache.remember([doc('a', 1), doc('b', 1)]);
    cache.remember([doc('c', 1)], [{ tenantId: 't', id: 'a' }]);
    expect(cache.get('t', 'a')).toBeUndefined();
    expect(cache.size).toBe(2);
    const plain = { n: 1, tags: ['x'] };
    const kept = cachedDocument('t', 'p', 1, plain);
    expect(cachedState(kept)).toBe(plain);
    const dated = cachedDocument('t', 'd', 1, { at: new Date(0), gone: undefined });
    expect(cachedState(dated)).toEqual({ at: '1970-01-01T00:00:00.000Z' });
    expect(cachedState(cachedDocument('t', 'x', 0, undefined))).toBeUndefined();
  });
});
