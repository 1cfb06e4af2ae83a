import { describe, expect, it } from 'vitest';
import { escapeName, Names } from './names.js';

describe('stream and consumer names', () => {
  const names = new Names('wb');

  it('keeps dotted names readable', () => {
    expect(names.stream('orders.events')).toBe('wb_orders_events');
    expect(names.subject('orders.events')).toBe('wb.orders.events');
    expect(names.consumer({ destination: 'orders.events', group: 'billing.v2' })).toBe('billing_v2');
    expect(names.deadLetterStream('orders.events')).toBe('wb_orders_events-dlq');
    expect(names.deadLetterSubject({ destination: 'orders.events', group: 'billing.v2' })).toBe(
      'wb-dlq.billing_v2.orders.events',
    );
  });

  it('never maps two names to one stream', () => {
    // Every name over the alphabet {a, '.', '_', '-'} up to length 6: the escaping must be injective.
    const alphabet = ['a', '.', '_', '-'];
    let words = [''];
    const seen = new Map<string, string>();
    for (let length = 1; length <= 6; length++) {
      words = words.flatMap((w) => alphabet.map((c) => w + c));
      for (const word of words) {
        const escaped = escapeName(word);
        expect(seen.get(escaped) ?? word, `${word} and ${seen.get(escaped)} collide`).toBe(word);
        seen.set(escaped, word);
        expect(escaped).toMatch(/^[A-Za-z0-9_-]+$/);
        // A dead-letter stream name can never equal a destination's stream name.
        expect(escaped).not.toMatch(/-dlq$/);
      }
    }
    expect(seen.size).toBe(4 + 16 + 64 + 256 + 1024 + 4096);
  });

  it('stays within the 255 characters a JetStream stream name may have, for the longest valid names', () => {
    // The longest prefix, and a 100-character name that escapes to twice its length.
    expect(new Names('p'.repeat(32)).deadLetterStream('_'.repeat(100)).length).toBeLessThanOrEqual(255);
  });
});
