import { afterAll, describe, expect, it } from 'vitest';
import { isTransportUnavailableError, type Delivery } from '@whizbang/core';
import { natsTransport } from './nats-transport.js';
import { deleteStreams, testNats, testPrefix } from './test-support/nats.js';

const nats = await testNats();
const prefix = testPrefix();

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );

// Needs a server this test may stop: the one it started.
describe.runIf(nats.available && nats.down !== undefined)('nats: lazyConnect', () => {
  afterAll(async () => {
    try {
      await deleteStreams(nats.url, prefix);
    } finally {
      await nats.stop();
    }
  });

  it('is made while the server is down, refuses work until it is up, then works', async () => {
    await nats.down!();
    const started = Date.now();
    const t = await natsTransport({ servers: nats.url, prefix, lazyConnect: true });
    try {
      expect(Date.now() - started).toBeLessThan(500);
      expect(t.transport).toBeUndefined();
      const subscription = { destination: 'lazy.orders', group: 'billing' };
      expect(isTransportUnavailableError(await rejection(t.declare({ subscriptions: [subscription] })))).toBe(
        true,
      );
      expect(isTransportUnavailableError(await rejection(t.ping()))).toBe(true);
      await nats.up!();
      const deadline = Date.now() + 15_000;
      for (;;) {
        try {
          await t.declare({ subscriptions: [subscription] });
          break;
        } catch (error) {
          if (!isTransportUnavailableError(error) || Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      const got: Delivery[] = [];
      await t.consume(subscription, async (delivery) => {
        got.push(delivery);
        await delivery.ack();
      });
      await t.publish('lazy.orders', [{ id: 'm-1', type: 'OrderPlaced', body: '{}', headers: {} }]);
      for (let i = 0; i < 100 && got.length === 0; i++)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(got.map((d) => d.message.id)).toEqual(['m-1']);
      await t.ping();
    } finally {
      const closing = Date.now();
      await t.close();
      expect(Date.now() - closing).toBeLessThan(3_000);
    }
    expect(isTransportUnavailableError(await rejection(t.ping()))).toBe(true);
  });

  it('closes at once while still trying to connect', async () => {
    const t = await natsTransport({ servers: 'nats://127.0.0.1:1', prefix, lazyConnect: true });
    const closing = Date.now();
    await t.close();
    expect(Date.now() - closing).toBeLessThan(3_000);
    expect(String(await rejection(t.ping()))).toMatch(/the transport is closed/);
  });
});
