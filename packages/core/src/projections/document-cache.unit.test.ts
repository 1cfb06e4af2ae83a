import { describe, expect, it } from 'vitest';
import { DocumentCache } from './document-cache.js';

const doc = (id: string, version: number, tenantId = 't') => ({
  tenantId,
  id,
  version,
  json: version === 0 ? undefined : `{"v":${version}}`,
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
});
