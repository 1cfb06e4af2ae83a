import type { Message } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { isValidationError, type TransportMessage } from '@whizbang/core';
import {
  deadLetterCopy,
  deadLetterReason,
  decode,
  deliveryCount,
  encodeAll,
  HEADER,
  type Outgoing,
} from './codec.js';

function encodeOne(message: TransportMessage): Outgoing {
  const [out] = encodeAll([message]);
  if (!out) throw new Error('encodeAll returned nothing');
  return out;
}

/** What the broker hands back for an encoded message (with the headers RabbitMQ may add). */
function received(
  message: TransportMessage,
  extraHeaders: Record<string, unknown> = {},
  redelivered = false,
): Message {
  const out = encodeOne(message);
  return {
    content: out.content,
    fields: { deliveryTag: 1, redelivered, exchange: 'e', routingKey: '' },
    properties: {
      headers: { ...out.options.headers, ...extraHeaders },
      messageId: out.options.messageId,
      type: out.options.type,
      deliveryMode: 2,
    },
  } as unknown as Message;
}

const base: TransportMessage = { id: 'm-1', type: 'OrderPlaced', body: '{"n":1}', headers: {} };

describe('the AMQP mapping of a transport message', () => {
  it('uses message-id, type and persistent delivery, and keeps the key in a header of its own', () => {
    const out = encodeOne({ ...base, key: 'order-1', headers: { tenant: 't1' } });
    expect(out.options).toMatchObject({ messageId: 'm-1', type: 'OrderPlaced', persistent: true });
    expect(out.options.headers).toEqual({ tenant: 't1', [HEADER.key]: 'order-1' });
  });

  it('brings back exactly the headers published, whatever their names, and none the broker added', () => {
    const headers = {
      'x-delivery-count': 'mine',
      'X-Whizbang-Key': 'not the key',
      'x-whizbang-h-nested': 'escaped twice',
      ['__proto__']: 'a plain header',
      empty: '',
    };
    const message = {
      ...base,
      headers: JSON.parse(JSON.stringify(headers)) as Record<string, string>,
      key: 'k',
    };
    const raw = received(message, {
      'x-delivery-count': 3,
      'x-death': [{ reason: 'rejected' }],
      'x-first-death-reason': 'rejected',
    });
    expect(decode(raw)).toEqual({ message });
  });

  it('carries an id or type too long for an AMQP short string in a header instead', () => {
    const message = { ...base, id: '✓'.repeat(250), type: 'ü'.repeat(200) };
    const out = encodeOne(message);
    expect(out.options.messageId).toBeUndefined();
    expect(decode(received(message)).message).toEqual(message);
  });

  it('rejects a whole batch when one message cannot be carried', () => {
    const tooBig = { ...base, headers: { big: 'x'.repeat(50_000) } };
    const longName = { ...base, headers: { ['n'.repeat(300)]: 'v' } };
    let error: unknown;
    try {
      encodeAll([base, tooBig, longName]);
    } catch (e) {
      error = e;
    }
    expect(isValidationError(error)).toBe(true);
    expect(String(error)).toMatch(/messages\[1\]\.headers.*messages\[2\]\.headers/);
  });

  it('counts deliveries from x-delivery-count, and a bare redelivery as the second', () => {
    expect(deliveryCount(received(base))).toBe(1);
    expect(deliveryCount(received(base, { 'x-delivery-count': 2 }, true))).toBe(3);
    expect(deliveryCount(received(base, {}, true))).toBe(2);
  });

  it('names the problem with a message that Whizbang did not publish', () => {
    const raw = {
      ...received(base),
      properties: { headers: {}, messageId: undefined, type: undefined },
    } as unknown as Message;
    expect(decode(raw).problem).toMatch(/no message-id/);
  });

  it('parks a copy with its reason, without the expiration that would make it vanish', () => {
    const raw = received(base);
    (raw.properties as { expiration?: string }).expiration = '1000';
    const copy = deadLetterCopy(raw, 'boom');
    expect(copy.options).toMatchObject({ persistent: true, mandatory: true, messageId: 'm-1' });
    expect(copy.options.expiration).toBeUndefined();
    const parked: Message = { ...raw, properties: { ...raw.properties, headers: copy.options.headers } };
    expect(deadLetterReason(parked)).toBe('boom');
    expect(decode(parked).message).toEqual(base);
    expect(deadLetterCopy(raw, 'r'.repeat(10_000)).options.headers[HEADER.reason]).toHaveLength(
      4_000 + '… (truncated)'.length,
    );
  });

  it('says why the broker parked a message it dead-lettered itself', () => {
    const raw = received(base, { 'x-first-death-reason': 'delivery_limit', 'x-first-death-queue': 'q' });
    expect(deadLetterReason(raw)).toBe("RabbitMQ dead-lettered it (delivery_limit) from queue 'q'");
  });
});
