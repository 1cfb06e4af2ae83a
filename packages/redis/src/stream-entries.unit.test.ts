import { describe, expect, it } from 'vitest';
import type { TransportMessage } from '@whizbang/core';
import { deadLetterKey, messageFields, readEntry, streamKey } from './stream-entries.js';

describe('stream entries', () => {
  it('reads back what it writes, key or no key', () => {
    const withKey: TransportMessage = {
      id: 'a',
      type: 'T',
      body: '{"x":"ü"}',
      headers: { h: '', 'trace-id': '1' },
      key: 'k',
    };
    const { key: _key, ...withoutKey } = withKey;
    for (const message of [withKey, withoutKey]) {
      const entry = readEntry('1-0', messageFields(message));
      expect(entry.message).toEqual(message);
      expect(entry.problem).toBeUndefined();
    }
    expect('key' in readEntry('1-0', messageFields(withoutKey)).message).toBe(false);
  });

  it('flags an entry it did not write, and still reads it into a well-formed message', () => {
    const entry = readEntry('5-1', ['type', 'T', 'headers', '{"n":1}']);
    expect(entry.problem).toBe(
      "Stream entry 5-1 is not a Whizbang message: no 'id' field; no 'body' field; 'headers' is not a JSON object of strings (a header is not a string)",
    );
    expect(entry.message).toEqual({ id: 'redis:5-1', type: 'T', body: '', headers: {} });
  });

  it('keeps dead letters under keys no destination can have', () => {
    expect(streamKey('p:', 'orders.events')).toBe('p:orders.events');
    expect(deadLetterKey('p:', { destination: 'orders.events', group: 'billing' })).toBe(
      'p:orders.events:dead-letters:billing',
    );
  });
});
