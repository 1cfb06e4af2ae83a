import { describe, expect, it } from 'vitest';
import { MsgHdrsImpl } from '@nats-io/transport-node';
import type { TransportMessage } from '@whizbang/core';
import { decodeMessage, encodeMessage, escapeValue, msgId } from './message-codec.js';

/** What a stored message looks like after the trip: headers serialised and parsed as NATS does. */
function roundTrip(message: TransportMessage): TransportMessage {
  const { data, headers } = encodeMessage(message);
  headers.set('Nats-Msg-Id', msgId(message));
  return decodeMessage(data, MsgHdrsImpl.decode((headers as MsgHdrsImpl).encode()));
}

const base: TransportMessage = { id: 'm-1', type: 'OrderPlaced', body: '{"n":1}', headers: {} };

describe('message codec', () => {
  it('round-trips ordinary messages, with plain NATS headers for tools to read', () => {
    const message = {
      ...base,
      key: 'order-1',
      headers: { traceparent: '00-ab-cd-01', 'correlation-id': 'c-1', empty: '' },
    };
    expect(roundTrip(message)).toEqual(message);
    const { headers } = encodeMessage(message);
    expect(headers.get('traceparent')).toBe('00-ab-cd-01');
    expect(headers.get('Whizbang-Type')).toBe('OrderPlaced');
  });

  it('round-trips what NATS headers cannot carry as it is', () => {
    const message: TransportMessage = {
      id: ' id with\r\nbreaks and 100% ',
      type: '\tType ',
      key: 'k%20',
      body: 'ünïcødé ✓ \u0000',
      headers: {
        'has space': 'v',
        'colon:name': 'v',
        ünï: 'v',
        multi: 'line\nvalue',
        padded: '  both ends  ',
        percent: '100%',
        'Nats-Msg-Id': 'not-the-id',
        'nats-expected-stream': 'elsewhere',
        'Whizbang-Type': 'spoof',
      },
    };
    Object.defineProperty(message.headers, '__proto__', {
      value: 'a header, not a prototype',
      enumerable: true,
    });
    const back = roundTrip(message);
    expect(back).toEqual(message);
    expect(Object.keys(back.headers)).toContain('__proto__');
    // The server acts on Nats-* headers: a user's must never reach it as one.
    const { headers } = encodeMessage(message);
    expect(headers.has('Nats-Msg-Id')).toBe(false);
    expect(headers.has('nats-expected-stream')).toBe(false);
  });

  it('escapes header values injectively and leaves ordinary ones alone', () => {
    expect(escapeValue('order-1/placed')).toBe('order-1/placed');
    const values = ['%20a', ' a', 'a\n', '%0A', 'a b', '%', '%25'];
    expect(new Set(values.map(escapeValue)).size).toBe(values.length);
    for (const value of values) expect(decodeURIComponent(escapeValue(value))).toBe(value);
  });

  it('refuses a message that publish did not write', () => {
    expect(() => decodeMessage(new Uint8Array(), undefined)).toThrow(/Not a Whizbang message/);
  });
});
