/**
 * The transport conformance suite: what every transport (in-memory, RabbitMQ, NATS JetStream,
 * Redis Streams, and any third-party one) must do, run unchanged against each. Each case uses
 * destinations of its own, under a prefix unique to the run, so runs against a shared broker
 * never see each other's messages.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  isStateError,
  isTransportUnavailableError,
  isValidationError,
  type Delivery,
  type Subscription,
  type Transport,
  type TransportMessage,
} from '@whizbang/core';
import { rejection } from './harness.js';

export interface TransportConformanceOptions {
  /** A new connection to the broker under test; connections share the broker. */
  readonly connect: () => Promise<Transport> | Transport;
  /**
   * The longest the broker takes to redeliver what a closed connection left unsettled (ms;
   * default 10,000). Brokers that redeliver on a timer (an ack wait, an idle time) should be
   * configured short for the suite.
   */
  readonly redeliveryTimeoutMs?: number;
  /**
   * Stops and starts the broker. Transports that talk to a server must give it: the suite then
   * checks that a connection carries on across the restart.
   */
  readonly restartBroker?: () => Promise<void>;
  /** How long a case may wait for a delivery (ms; default 15,000). */
  readonly timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let counter = 0;
const runPrefix = `conf${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** Destination and group names unique to one case. */
function channel(): { destination: string; group: (name: string) => Subscription } {
  const destination = `${runPrefix}.d${counter++}`;
  return { destination, group: (group) => ({ destination, group }) };
}

const message = (n: number, extra: Partial<TransportMessage> = {}): TransportMessage => ({
  id: `m-${n}-${Math.random().toString(36).slice(2, 10)}`,
  type: 'Numbered',
  body: JSON.stringify({ n }),
  headers: {},
  ...extra,
});

const numberOf = (m: TransportMessage) => (JSON.parse(m.body) as { n: number }).n;

/** Records what a consumer receives and settles it with `settle` (ack by default). */
function recorder(settle: (delivery: Delivery) => Promise<void> = (d) => d.ack()) {
  const received: Delivery[] = [];
  let waiters: (() => void)[] = [];
  return {
    received,
    handler: async (delivery: Delivery) => {
      received.push(delivery);
      for (const wake of waiters) wake();
      waiters = [];
      await settle(delivery);
    },
    /** Resolves once `count` deliveries have arrived. */
    async waitFor(count: number, timeoutMs: number): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`expected ${count} deliveries, got ${received.length} in ${timeoutMs} ms`);
        await Promise.race([
          new Promise<void>((resolve) => waiters.push(resolve)),
          sleep(Math.min(left, 100)),
        ]);
      }
    },
  };
}

export function transportConformance(name: string, options: TransportConformanceOptions): void {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const redeliveryMs = options.redeliveryTimeoutMs ?? 10_000;
  const open: Transport[] = [];
  const connect = async () => {
    const transport = await options.connect();
    open.push(transport);
    return transport;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close().catch(() => undefined)));
  });
  const caseTimeout = timeoutMs + redeliveryMs + 10_000;
  /** A connection, and a destination of the case's own with one declared group, `svc`. */
  const declared = async () => {
    const t = await connect();
    const names = channel();
    await t.declare({ subscriptions: [names.group('svc')] });
    return { t, ...names };
  };

  describe(`${name}: transport conformance`, () => {
    it(
      'delivers a message with its id, type, body, headers and key intact',
      async () => {
        const { t, destination, group } = await declared();
        const got = recorder();
        await t.consume(group('svc'), got.handler);
        const sent: TransportMessage = {
          id: 'order-1/placed',
          type: 'OrderPlaced',
          body: JSON.stringify({ total: 12.5, note: 'ünïcødé ✓', nested: { list: [1, 2] } }),
          headers: {
            'correlation-id': 'c-1',
            traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
            empty: '',
          },
          key: 'order-1',
        };
        await t.publish(destination, [sent]);
        await got.waitFor(1, timeoutMs);
        const [delivery] = got.received;
        expect(delivery!.message).toEqual(sent);
        expect(delivery!.subscription).toEqual(group('svc'));
        expect(delivery!.deliveryCount).toBe(1);
      },
      caseTimeout,
    );

    it(
      'gives each message to one consumer of a group, and every message to every group',
      async () => {
        const [a, b] = [await connect(), await connect()];
        const { destination, group } = channel();
        await a.declare({ subscriptions: [group('billing'), group('shipping')] });
        const billing1 = recorder();
        const billing2 = recorder();
        const shipping = recorder();
        await a.consume(group('billing'), billing1.handler);
        await b.consume(group('billing'), billing2.handler);
        await b.consume(group('shipping'), shipping.handler);
        await a.publish(
          destination,
          Array.from({ length: 40 }, (_, i) => message(i)),
        );
        await shipping.waitFor(40, timeoutMs);
        const billed = () => [...billing1.received, ...billing2.received].map((d) => numberOf(d.message));
        const deadline = Date.now() + timeoutMs;
        while (billed().length < 40 && Date.now() < deadline) await sleep(20);
        await sleep(200); // a duplicate would show up now
        expect(billed().toSorted((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i));
        expect(shipping.received.map((d) => numberOf(d.message)).toSorted((x, y) => x - y)).toEqual(
          Array.from({ length: 40 }, (_, i) => i),
        );
      },
      caseTimeout,
    );

    it(
      'does not deliver an acknowledged message again',
      async () => {
        const { t, destination, group } = await declared();
        const first = recorder();
        const consumer = await t.consume(group('svc'), first.handler);
        await t.publish(destination, [message(1)]);
        await first.waitFor(1, timeoutMs);
        await consumer.stop();
        const second = recorder();
        await (await connect()).consume(group('svc'), second.handler);
        await t.publish(destination, [message(2)]);
        await second.waitFor(1, timeoutMs);
        await sleep(300);
        expect(second.received.map((d) => numberOf(d.message))).toEqual([2]);
      },
      caseTimeout,
    );

    it(
      'delivers a nacked message again',
      async () => {
        const { t, destination, group } = await declared();
        const got = recorder((d) =>
          d.deliveryCount === 1 && numberOf(d.message) === 1 ? d.nack() : d.ack(),
        );
        await t.consume(group('svc'), got.handler, { prefetch: 1 });
        await t.publish(destination, [message(1)]);
        await got.waitFor(2, timeoutMs + redeliveryMs);
        const [first, again] = got.received;
        expect(again!.message).toEqual(first!.message);
        // Transports that cannot count redeliveries report 1; those that can must say 2.
        expect(t.capabilities.countsDeliveries ? again!.deliveryCount : 2).toBe(2);
      },
      caseTimeout,
    );

    it(
      'a handler that throws without settling has its delivery given back',
      async () => {
        const { t, destination, group } = await declared();
        let calls = 0;
        const got = recorder(async (d) => {
          if (calls++ === 0) throw new Error('handler bug');
          await d.ack();
        });
        await t.consume(group('svc'), got.handler, { prefetch: 1 });
        await t.publish(destination, [message(1)]);
        await got.waitFor(2, timeoutMs + redeliveryMs);
        expect(got.received[1]!.message.id).toBe(got.received[0]!.message.id);
      },
      caseTimeout,
    );

    it(
      'redelivers what a closed connection left unsettled to another consumer of the group',
      async () => {
        const crashing = await connect();
        const survivor = await connect();
        const { destination, group } = channel();
        await survivor.declare({ subscriptions: [group('svc')] });
        const held = recorder(() => new Promise<void>(() => undefined)); // never settles: a crash mid-handler
        await crashing.consume(group('svc'), held.handler, { prefetch: 1 });
        await survivor.publish(destination, [message(7)]);
        await held.waitFor(1, timeoutMs);
        const taker = recorder();
        await survivor.consume(group('svc'), taker.handler);
        await crashing.close();
        await taker.waitFor(1, timeoutMs + redeliveryMs);
        expect(numberOf(taker.received[0]!.message)).toBe(7);
        expect(survivor.capabilities.countsDeliveries ? taker.received[0]!.deliveryCount : 2).toBe(2);
      },
      caseTimeout,
    );

    it(
      "delivers one key's messages in publish order",
      async () => {
        const { t, destination, group } = await declared();
        const seen = new Map<string, number[]>();
        const busy = new Set<string>();
        let overlapped = false;
        const got = recorder(async (d) => {
          const key = d.message.key!;
          if (busy.has(key)) overlapped = true;
          busy.add(key);
          seen.set(key, [...(seen.get(key) ?? []), numberOf(d.message)]);
          await sleep(Math.random() * 5);
          busy.delete(key);
          await d.ack();
        });
        // Where the transport orders keys, it must do so with competing consumers and prefetch;
        // everywhere, one consumer taking one message at a time gets them in order.
        const ordered = t.capabilities.orderedKeys;
        const prefetch = ordered ? 8 : 1;
        await t.consume(group('svc'), got.handler, { prefetch });
        if (ordered) await (await connect()).consume(group('svc'), got.handler, { prefetch });
        const keys = ['k-a', 'k-b', 'k-c'];
        await t.publish(
          destination,
          Array.from({ length: 30 }, (_, i) => message(i, { key: keys[i % 3]! })),
        );
        await got.waitFor(30, timeoutMs);
        for (const [index, key] of keys.entries())
          expect(seen.get(key)).toEqual(Array.from({ length: 10 }, (_, i) => i * 3 + index));
        expect(overlapped).toBe(false);
      },
      caseTimeout,
    );

    it(
      'parks a dead-lettered message with its reason and delivers the ones behind it',
      async () => {
        const { t, destination, group } = await declared();
        const got = recorder((d) =>
          numberOf(d.message) === 1 ? d.deadLetter('Error: cannot parse the order') : d.ack(),
        );
        await t.consume(group('svc'), got.handler, { prefetch: 1 });
        const poison = message(1, { headers: { 'x-origin': 'test' } });
        await t.publish(destination, [poison, message(2), message(3)]);
        await got.waitFor(3, timeoutMs);
        await sleep(300);
        expect(got.received.map((d) => numberOf(d.message))).toEqual([1, 2, 3]);
        const parked = await t.takeDeadLetters(group('svc'));
        expect(parked).toHaveLength(1);
        expect(parked[0]!.message).toEqual(poison);
        expect(parked[0]!.reason).toBe('Error: cannot parse the order');
        expect(await t.takeDeadLetters(group('svc'))).toEqual([]);
      },
      caseTimeout,
    );

    it(
      'refuses to settle a delivery twice',
      async () => {
        const { t, destination, group } = await declared();
        const errors: unknown[] = [];
        const got = recorder(async (d) => {
          await d.ack();
          errors.push(await rejection(d.nack()), await rejection(d.deadLetter('late')));
        });
        await t.consume(group('svc'), got.handler);
        await t.publish(destination, [message(1)]);
        await got.waitFor(1, timeoutMs);
        while (errors.length < 2) await sleep(10);
        expect(errors.every(isStateError)).toBe(true);
      },
      caseTimeout,
    );

    it('declares idempotently and publishes an empty batch as nothing', async () => {
      const t = await connect();
      const { destination, group } = channel();
      const topology = { destinations: [destination], subscriptions: [group('svc'), group('svc')] };
      await t.declare(topology);
      await t.declare(topology);
      await expect(t.publish(destination, [])).resolves.toBeUndefined();
    });

    it('rejects bad names and malformed messages before anything reaches the broker', async () => {
      const { t, destination, group } = await declared();
      const got = recorder();
      await t.consume(group('svc'), got.handler);
      const bad: unknown[] = [
        await rejection(t.declare({ destinations: ['has space'] })),
        await rejection(t.declare({ subscriptions: [{ destination, group: 'a*b' }] })),
        await rejection(t.publish('', [message(1)])),
        await rejection(t.publish(destination, [{ ...message(1), id: '' }])),
        await rejection(
          t.publish(destination, [message(2), { ...message(3), headers: { n: 3 as unknown as string } }]),
        ),
        await rejection(t.publish(destination, [{ ...message(4), body: { n: 4 } as unknown as string }])),
        await rejection(t.consume(group('svc'), got.handler, { prefetch: 0 })),
        await rejection(t.takeDeadLetters({ destination, group: '' })),
      ];
      for (const error of bad) expect(isValidationError(error) || String(error)).toBe(true);
      await t.publish(destination, [message(5)]);
      await got.waitFor(1, timeoutMs);
      await sleep(200);
      // Nothing of a rejected batch was published, not even its valid messages.
      expect(got.received.map((d) => numberOf(d.message))).toEqual([5]);
    });

    it(
      'delivers a message published twice with the same id once, where the broker de-duplicates',
      async () => {
        const t = await connect();
        if (!t.capabilities.deduplicatesPublishes) return;
        const { destination, group } = channel();
        await t.declare({ subscriptions: [group('svc')] });
        const got = recorder();
        await t.consume(group('svc'), got.handler);
        const once = message(1);
        await t.publish(destination, [once]);
        await t.publish(destination, [once, message(2)]);
        await got.waitFor(2, timeoutMs);
        await sleep(300);
        expect(got.received.map((d) => numberOf(d.message)).toSorted((a, b) => a - b)).toEqual([1, 2]);
      },
      caseTimeout,
    );

    it('answers a ping while open, and refuses one with TransportUnavailableError once closed', async () => {
      const t = await connect();
      await expect(t.ping()).resolves.toBeUndefined();
      // A probe runs again and again: pinging changes nothing and keeps answering.
      await Promise.all([t.ping(), t.ping(), t.ping()]);
      await t.close();
      const started = Date.now();
      const error = await rejection(t.ping());
      expect(isTransportUnavailableError(error) || String(error)).toBe(true);
      expect((error as { transport?: unknown }).transport).toBe(t.name);
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    // Only transports that talk to a server have a broker to restart.
    const restart = options.restartBroker ?? (async () => undefined);
    it.runIf(options.restartBroker !== undefined)(
      'carries on across a broker restart: nothing published is lost, ping and publishing resume',
      async () => {
        const { t, destination, group } = await declared();
        const got = recorder();
        await t.consume(group('svc'), got.handler);
        await t.publish(destination, [message(1)]);
        await got.waitFor(1, timeoutMs);
        await restart();
        // A ping may fail while the transport reconnects, only ever as unavailable; it must
        // answer again soon after.
        const back = Date.now() + 60_000;
        for (;;) {
          const error = await t.ping().then(
            () => undefined,
            (e: unknown) => e,
          );
          if (error === undefined) break;
          if (!isTransportUnavailableError(error) || Date.now() > back) throw error;
          await sleep(250);
        }
        // Publishing may fail while the transport reconnects; it must work again soon after.
        const deadline = Date.now() + 60_000;
        for (;;) {
          try {
            await t.publish(destination, [message(2)]);
            break;
          } catch (error) {
            if (Date.now() > deadline) throw error;
            await sleep(250);
          }
        }
        await got.waitFor(2, 60_000);
        const numbers = new Set(got.received.map((d) => numberOf(d.message)));
        expect([...numbers].toSorted((a, b) => a - b)).toEqual([1, 2]);
      },
      180_000,
    );
  });
}
