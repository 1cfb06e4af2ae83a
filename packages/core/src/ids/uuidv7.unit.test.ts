import { describe, expect, it } from 'vitest';
import { uuidv7, uuidv7Timestamp } from './uuidv7.js';

const FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidv7', () => {
  it('has the RFC 9562 layout: version 7 and variant 10', () => {
    for (let i = 0; i < 1000; i++) expect(uuidv7()).toMatch(FORMAT);
  });

  it('embeds the current time in milliseconds', () => {
    const before = Date.now();
    const id = uuidv7();
    expect(uuidv7Timestamp(id)).toBeGreaterThanOrEqual(before);
    expect(uuidv7Timestamp(id)).toBeLessThanOrEqual(Date.now() + 1);
  });

  it('is strictly increasing within a process, even in bursts inside one millisecond', () => {
    const ids = Array.from({ length: 20_000 }, () => uuidv7());
    expect(ids).toEqual(ids.toSorted()); // strings compare lexically, as they sort in a database
    expect(new Set(ids).size).toBe(ids.length);
  });
});
