// What the shared conformance suite cannot see: how the transport uses Redis Streams. Each case
// looks at the server with a raw connection, or interferes with it, and checks the transport's
// promises against what Redis itself says (pending-entries list, consumers, stream length).
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { StateError, TransportUnavailableError, type Delivery, type TransportMessage } from '@whizbang/core';
import type { Redis } from 'ioredis';
import type { RedisTransportOptions } from './config.js';
import { redisTransport, type RedisTransport } from './redis-transport.js';
import { tcpProxy } from '@whizbang/testing';
import {
  deleteTestKeys,
  eventually,
  freshPrefix,
  killClientConnections,
  rawClient,
  redisAvailable,
  redisUrl,
} from './test-support/redis.js';

const available = await redisAvailable();

const message = (n: number, extra: Partial<TransportMessage> = {}): TransportMessage => ({
  id: `m-${n}`,
  type: 'Numbered',
  body: JSON.stringify({ n }),
  headers: {},
  ...extra,
});
const numberOf = (d: Delivery) => (JSON.parse(d.message.body) as { n: number }).n;

/** A promise with its resolver, for handlers that must wait on the test. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe.runIf(available)('redis streams', () => {
  const open: RedisTransport[] = [];
  let raw: Redis;
  let prefix: string;
  const errors: Error[] = [];

  function transport(options: RedisTransportOptions = {}): RedisTransport {
    const t = redisTransport({
      url: redisUrl,
      prefix,
      claimIdleMs: 500,
      blockMs: 100,
      onError: (e) => errors.push(e),
      ...options,
    });
    open.push(t);
    return t;
  }
  const sub = (group = 'svc') => ({ destination: 'orders', group });
  const key = () => `${prefix}orders`;
  const consumersOf = async (group = 'svc') =>
    ((await raw.xinfo('CONSUMERS', key(), group)) as string[][]).map((c) => c[1]);
  const pendingCount = async (group = 'svc') => ((await raw.xpending(key(), group)) as [number])[0];

  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
    raw?.disconnect();
    errors.length = 0;
  });
  afterAll(() => deleteTestKeys());
  // Each case gets keys of its own.
  const setup = () => {
    prefix = freshPrefix();
    raw = rawClient();
  };

  it('takes over what a dead consumer left pending after claimIdleMs, counts the delivery, and forgets the dead consumer', async () => {
    setup();
    const t = transport();
    await t.declare({ subscriptions: [sub()] });
    await t.publish('orders', [message(1)]);
    // A consumer that reads and then dies: only Redis knows it had the entry.
    const read = await raw.xreadgroup('GROUP', 'svc', 'ghost', 'COUNT', 1, 'STREAMS', key(), '>');
    expect(read).not.toBeNull();
    const diedAt = Date.now();
    const got: Delivery[] = [];
    await t.consume(sub(), async (d) => {
      got.push(d);
      await d.ack();
    });
    await eventually('the entry is taken over', () => got.length === 1);
    expect(Date.now() - diedAt).toBeGreaterThanOrEqual(450); // not before claimIdleMs
    expect(got).toMatchObject([{ message: message(1), deliveryCount: 2 }]);
    await eventually('the ack reaches Redis', async () => (await pendingCount()) === 0);
    await eventually('the dead consumer is deleted', async () => !(await consumersOf()).includes('ghost'));
    expect(await consumersOf()).toHaveLength(1); // the live one stays
  });

  it('a handler slower than claimIdleMs keeps its delivery: no other consumer gets it meanwhile', async () => {
    setup();
    const [a, b] = [
      transport({ claimIdleMs: 300, blockMs: 50 }),
      transport({ claimIdleMs: 300, blockMs: 50 }),
    ];
    await a.declare({ subscriptions: [sub()] });
    const got: Delivery[] = [];
    const done = gate();
    // Whichever of the two gets it holds it for four times claimIdleMs.
    const slowly = async (d: Delivery) => {
      got.push(d);
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      await d.ack();
      done.open();
    };
    await a.consume(sub(), slowly);
    await b.consume(sub(), slowly);
    await a.publish('orders', [message(1)]);
    await done.opened;
    await new Promise((resolve) => setTimeout(resolve, 400)); // a late take-over would show now
    expect(got.map((d) => d.deliveryCount)).toEqual([1]);
    expect(await pendingCount()).toBe(0);
  });

  it("counts every delivery as Redis' pending-entries list does, and a stopped consumer leaves no name behind", async () => {
    setup();
    const t = transport();
    await t.declare({ subscriptions: [sub()] });
    const counts: number[] = [];
    const redisCounts: number[] = [];
    const consumer = await t.consume(sub(), async (d) => {
      counts.push(d.deliveryCount);
      const [[, , , times]] = (await raw.xpending(key(), 'svc', '-', '+', 1)) as [
        [string, string, number, number],
      ];
      redisCounts.push(times);
      await (d.deliveryCount < 3 ? d.nack() : d.ack());
    });
    await t.publish('orders', [message(1)]);
    await eventually('three deliveries', () => counts.length === 3);
    expect(counts).toEqual([1, 2, 3]);
    expect(redisCounts).toEqual([1, 2, 3]);
    await consumer.stop();
    expect(await pendingCount()).toBe(0);
    expect(await consumersOf()).toEqual([]);
  });

  it('stop gives what its handlers left unsettled back to the group at once, not after claimIdleMs', async () => {
    setup();
    // A long claim idle time: only the give-back can explain a prompt redelivery.
    const [a, b] = [transport({ claimIdleMs: 30_000 }), transport({ claimIdleMs: 30_000 })];
    await a.declare({ subscriptions: [sub()] });
    const release = gate();
    const first: Delivery[] = [];
    const second: Delivery[] = [];
    const stopping = await a.consume(sub(), async (d) => {
      first.push(d);
      await release.opened; // then returns without settling
    });
    await a.publish('orders', [message(7)]);
    await eventually('the first consumer has it', () => first.length === 1);
    await b.consume(sub(), async (d) => {
      second.push(d);
      await d.ack();
    });
    const stopped = stopping.stop();
    release.open();
    await stopped;
    const since = Date.now();
    await eventually('the other consumer gets it', () => second.length === 1, 5_000);
    expect(Date.now() - since).toBeLessThan(2_000);
    expect(second.map((d) => [numberOf(d), d.deliveryCount])).toEqual([[7, 2]]);
  });

  it('trims what every group has acknowledged, and never an entry a group has not read or still has pending', async () => {
    setup();
    const t = transport({ blockMs: 50 });
    await t.declare({ subscriptions: [sub('worker'), sub('idle')] });
    const held = gate();
    let acked = 0;
    await t.consume(sub('worker'), async (d) => {
      if (numberOf(d) === 3) await held.opened;
      await d.ack();
      acked++;
    });
    await t.publish(
      'orders',
      Array.from({ length: 10 }, (_, i) => message(i + 1)),
    );
    await eventually('nine acknowledged', () => acked === 9);
    const ids = (await raw.xrange(key(), '-', '+')).map(([id]) => id);
    expect(ids).toHaveLength(10);
    // 'idle' has read nothing: many housekeeping passes later, nothing may be gone.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await raw.xlen(key())).toBe(10);
    // Without it, everything before the pending 3rd entry goes, and nothing from it on.
    await raw.xgroup('DESTROY', key(), 'idle');
    await eventually('trimmed up to the pending entry', async () => (await raw.xlen(key())) === 8);
    expect((await raw.xrange(key(), '-', '+')).map(([id]) => id)).toEqual(ids.slice(2));
    held.open();
    // Once it is acknowledged, all but the last delivered entry (a group's read position) go.
    await eventually('trimmed to the read position', async () => (await raw.xlen(key())) === 1);
    expect((await raw.xrange(key(), '-', '+')).map(([id]) => id)).toEqual([ids[9]]);
  });

  it('keeps consuming across dropped connections: blocked reads resume, unsettled deliveries can still be settled', async () => {
    setup();
    const t = transport();
    await t.declare({ subscriptions: [sub()] });
    const release = gate();
    const got: number[] = [];
    const settled: unknown[] = [];
    await t.consume(sub(), async (d) => {
      got.push(numberOf(d));
      if (numberOf(d) === 1) await release.opened;
      settled.push(await d.ack().catch((error: unknown) => error));
    });
    await t.publish('orders', [message(1)]);
    await eventually('the first delivery', () => got.length === 1);
    await killClientConnections();
    await eventually(
      'publishing works again',
      () =>
        t.publish('orders', [message(2)]).then(
          () => true,
          () => false,
        ),
      15_000,
    );
    await eventually(
      'the reader, blocked when its connection died, reads again',
      () => got.includes(2),
      15_000,
    );
    release.open();
    await eventually('both settled', () => settled.length === 2);
    expect(settled).toEqual([undefined, undefined]);
    expect(got).toEqual([1, 2]); // the held one was renewed across the drop, never redelivered
    expect(await pendingCount()).toBe(0);
    expect(errors.map(String).join('\n')).toMatch(
      /Lost the command connection to Redis at 127\.0\.0\.1:6379; reconnecting/,
    );
  });

  it('fails fast, with a clear error, when Redis is unreachable, and closes without hanging', async () => {
    const t = redisTransport({ url: 'redis://127.0.0.1:1', onError: () => undefined });
    const started = Date.now();
    const error = await t.publish('orders', [message(1)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportUnavailableError);
    expect(String(error)).toMatch(/Redis at 127\.0\.0\.1:1 is unreachable/);
    expect(Date.now() - started).toBeLessThan(2_000);
    const closing = Date.now();
    await t.close();
    expect(Date.now() - closing).toBeLessThan(1_500);
  });

  it('answers a ping only while Redis does: unavailable at once while it is away, within commandTimeout while it stalls, and again once it is back', async () => {
    setup();
    const server = new URL(redisUrl);
    const proxy = await tcpProxy({ host: server.hostname, port: Number(server.port || 6379) });
    try {
      const t = transport({ url: `redis://127.0.0.1:${proxy.port}`, redis: { commandTimeout: 500 } });
      await t.ping();
      await proxy.down();
      const failure = async () =>
        t.ping().then(
          () => undefined,
          (e: unknown) => e,
        );
      await eventually('the transport sees Redis gone', async () => (await failure()) !== undefined);
      const started = Date.now();
      const away = await failure();
      expect(Date.now() - started).toBeLessThan(200);
      expect(away).toBeInstanceOf(TransportUnavailableError);
      expect(String(away)).toMatch(/Cannot ping: Redis at 127\.0\.0\.1:\d+ is unreachable/);
      await proxy.up();
      await eventually('ping answers again', async () => (await failure()) === undefined, 15_000);
      proxy.stall();
      const stalling = Date.now();
      const stalled = await failure();
      expect(stalled).toBeInstanceOf(TransportUnavailableError);
      expect(Date.now() - stalling).toBeGreaterThanOrEqual(450);
      expect(Date.now() - stalling).toBeLessThan(2_000);
    } finally {
      await proxy.close();
    }
  });

  it('refuses to publish to or consume from what was not declared', async () => {
    setup();
    const t = transport();
    const publishing = await t.publish('orders', [message(1)]).catch((e: unknown) => e);
    expect(publishing).toBeInstanceOf(StateError);
    expect(String(publishing)).toMatch(/Destination 'orders' has not been declared/);
    const consuming = await t.consume(sub(), async () => undefined).catch((e: unknown) => e);
    expect(consuming).toBeInstanceOf(StateError);
    expect(String(consuming)).toMatch(/Subscription 'orders' \/ 'svc' has not been declared/);
    expect(await raw.exists(key())).toBe(0); // nothing was created by accident
    await t.declare({ destinations: ['orders'] });
    await t.publish('orders', [message(1)]);
    expect(await raw.xlen(key())).toBe(1);
    expect(await raw.xinfo('GROUPS', key())).toEqual([]); // the declare probe left no group
  });

  it('parks a stream entry that is not a Whizbang message without calling the handler', async () => {
    setup();
    const t = transport();
    await t.declare({ subscriptions: [sub()] });
    const got: number[] = [];
    await t.consume(sub(), async (d) => {
      got.push(numberOf(d));
      await d.ack();
    });
    const foreign = await raw.xadd(key(), '*', 'hello', 'world');
    await t.publish('orders', [message(2)]);
    await eventually('the message behind it is delivered', () => got.length === 1);
    let parked: Awaited<ReturnType<RedisTransport['takeDeadLetters']>> = [];
    await eventually(
      'the foreign entry is parked',
      async () => (parked = await t.takeDeadLetters(sub())).length > 0,
    );
    expect(got).toEqual([2]);
    expect(parked).toMatchObject([
      {
        reason: expect.stringContaining(`Stream entry ${foreign} is not a Whizbang message: no 'id' field`),
        message: { id: `redis:${foreign}` },
      },
    ]);
  });

  it('keeps dead letters per subscription and hands them out oldest first, up to the limit', async () => {
    setup();
    const t = transport();
    await t.declare({ subscriptions: [sub('a'), sub('b')] });
    let parked = 0;
    await t.consume(
      sub('a'),
      async (d) => {
        await d.deadLetter(`reason ${numberOf(d)}`);
        parked++;
      },
      { prefetch: 1 },
    );
    await t.publish(
      'orders',
      [1, 2, 3, 4, 5].map((n) => message(n, { key: `k${n}` })),
    );
    await eventually('five parked', () => parked === 5);
    const first = await t.takeDeadLetters(sub('a'), { limit: 2 });
    const rest = await t.takeDeadLetters(sub('a'));
    expect(first.map((d) => d.reason)).toEqual(['reason 1', 'reason 2']);
    expect(rest.map((d) => d.message)).toEqual([3, 4, 5].map((n) => message(n, { key: `k${n}` })));
    expect(await t.takeDeadLetters(sub('a'))).toEqual([]);
    expect(await t.takeDeadLetters(sub('b'))).toEqual([]);
    expect(await pendingCount('a')).toBe(0);
  });

  it('re-creates a consumer group that vanished under a running consumer, and says so', async () => {
    setup();
    const t = transport();
    await t.declare({ subscriptions: [sub()] });
    const got: number[] = [];
    await t.consume(sub(), async (d) => {
      got.push(numberOf(d));
      await d.ack();
    });
    await raw.xgroup('DESTROY', key(), 'svc');
    await eventually(
      'the group is back',
      async () => ((await raw.xinfo('GROUPS', key())) as unknown[]).length === 1,
    );
    expect(errors.map(String).join('\n')).toMatch(
      /Consumer group 'svc' .* was missing from Redis .* re-created/,
    );
    await t.publish('orders', [message(1)]);
    await eventually('delivered through the new group', () => got.length === 1);
  });

  it('with waitForReplicas, rejects a publish the replicas did not confirm, saying it may still have been accepted', async () => {
    setup();
    const t = transport({ waitForReplicas: { replicas: 1, timeoutMs: 100 } });
    await t.declare({ destinations: ['orders'] });
    const error = await t.publish('orders', [message(1)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateError);
    expect(String(error)).toMatch(/only 0 of 1 replicas confirmed it within 100 ms/);
    expect(await raw.xlen(key())).toBe(1); // the primary has it: a repeat is a duplicate, which the inbox absorbs
  });
});
