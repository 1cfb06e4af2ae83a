// What the shared transport suite cannot show for NATS: the JetStream mapping itself, the
// de-duplication window, the ack wait (both halves: a dead consumer's deliveries come back, a
// slow live one's do not), prefetch as a hard bound, and the connection going down and back.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { connect, nanos } from '@nats-io/transport-node';
import {
  isStateError,
  isValidationError,
  type Delivery,
  type Subscription,
  type TransportMessage,
} from '@whizbang/core';
import type { NatsTransportOptions } from './config.js';
import { NatsUnavailableError } from './errors.js';
import { natsTransport, type NatsTransport } from './nats-transport.js';
import { deleteStreams, testNats, testPrefix } from './test-support/nats.js';

const nats = await testNats();
const prefix = testPrefix();
const ACK_WAIT_MS = 1_000;
const TIMEOUT_MS = 10_000;

let counter = 0;
const channel = (group = 'svc'): Subscription => ({ destination: `extra.d${counter++}`, group });
const message = (n: number, extra: Partial<TransportMessage> = {}): TransportMessage => ({
  id: `x-${n}-${Math.random().toString(36).slice(2, 10)}`,
  type: 'Numbered',
  body: JSON.stringify({ n }),
  headers: {},
  ...extra,
});
const numberOf = (d: Delivery) => (JSON.parse(d.message.body) as { n: number }).n;
const byNumber = (a: number, b: number) => a - b;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the operation to fail, but it succeeded');
}

/** Records deliveries; `until` waits for a count, woken by each arrival, failing after a bound. */
function inbox(settle: (d: Delivery) => Promise<void> = (d) => d.ack()) {
  const received: Delivery[] = [];
  let wake: (() => void) | undefined;
  return {
    received,
    handler: async (delivery: Delivery) => {
      received.push(delivery);
      wake?.();
      await settle(delivery);
    },
    async until(count: number, timeoutMs = TIMEOUT_MS): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`expected ${count} deliveries, got ${received.length} in ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    },
  };
}

/** A latch a handler can wait on. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe.runIf(nats.available)('nats transport on JetStream', () => {
  const opened: NatsTransport[] = [];
  const open = async (options: NatsTransportOptions = {}) => {
    const transport = await natsTransport({
      servers: nats.url,
      prefix,
      ackWaitMs: ACK_WAIT_MS,
      requestTimeoutMs: 3_000,
      onError: () => undefined,
      ...options,
    });
    opened.push(transport);
    return transport;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((t) => t.close()));
  });
  afterAll(async () => {
    try {
      await deleteStreams(nats.url, prefix);
    } finally {
      await nats.stop();
    }
  });

  it('declares a stream per destination and a durable pull consumer per group, and names never collide', async () => {
    const t = await open();
    const base = `extra.d${counter++}`;
    const dotted = { destination: `${base}.x.y`, group: 'svc' };
    const subs = [
      dotted,
      { destination: `${base}.x_y`, group: 'svc' },
      { destination: `${base}.x-y`, group: 'svc' },
    ];
    await t.declare({ subscriptions: subs });
    const consumers = subs.map((sub) => ({ sub, box: inbox() }));
    for (const { sub, box } of consumers) await t.consume(sub, box.handler);
    for (const [i, sub] of subs.entries()) await t.publish(sub.destination, [message(i)]);
    for (const { box } of consumers) await box.until(1);
    await sleep(200); // a message crossing into another stream would show up now
    expect(consumers.map(({ box }) => box.received.map(numberOf))).toEqual([[0], [1], [2]]);

    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      const stream = await jsm.streams.info(t.names.stream(dotted.destination));
      expect(stream.config).toMatchObject({
        name: `${prefix}_extra_d${counter - 1}_x_y`,
        subjects: [`${prefix}.${dotted.destination}`],
        retention: RetentionPolicy.Interest,
        storage: StorageType.File,
      });
      const consumer = await jsm.consumers.info(stream.config.name, 'svc');
      expect(consumer.config).toMatchObject({
        durable_name: 'svc',
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.New,
        ack_wait: nanos(ACK_WAIT_MS),
      });
      expect(consumer.config.deliver_subject).toBeUndefined(); // a pull consumer
      // Interest retention: what every group acked is gone from the stream.
      expect(stream.state.messages).toBe(0);
    } finally {
      await nc.close();
    }
  });

  it('stores a repeated message id once within the duplicate window, and again after it', async () => {
    const t = await open({ duplicateWindowMs: 1_000 });
    const sub = channel();
    await t.declare({ subscriptions: [sub] });
    const got = inbox();
    await t.consume(sub, got.handler);
    const once = message(1);
    await t.publish(sub.destination, [once]);
    await t.publish(sub.destination, [once, message(2)]);
    await got.until(2);
    await sleep(300);
    expect(got.received.map(numberOf).toSorted(byNumber)).toEqual([1, 2]);
    await sleep(1_500); // the window is time itself: nothing to await but its end
    await t.publish(sub.destination, [once]);
    await got.until(3);
    expect(got.received.map(numberOf).toSorted(byNumber)).toEqual([1, 1, 2]);
  });

  it('redelivers after the ack wait what a consumer that vanished without a word held', async () => {
    const [crashing, survivor] = [await open(), await open()];
    const sub = channel();
    await survivor.declare({ subscriptions: [sub] });
    const held = inbox(() => new Promise<void>(() => undefined));
    await crashing.consume(sub, held.handler, { prefetch: 1 });
    await survivor.publish(sub.destination, [message(7)]);
    await held.until(1);
    const taker = inbox();
    await survivor.consume(sub, taker.handler);
    // The socket goes away without the transport giving anything back, as in a crash.
    const crashedAt = Date.now();
    await crashing.connection.close();
    await taker.until(1, ACK_WAIT_MS + TIMEOUT_MS);
    expect(Date.now() - crashedAt).toBeGreaterThanOrEqual(ACK_WAIT_MS / 2); // the ack wait ran out
    expect(taker.received.map((d) => [numberOf(d), d.deliveryCount])).toEqual([[7, 2]]);
  });

  it('keeps a delivery while its handler is slower than the ack wait: no redelivery races it', async () => {
    const [slow, other] = [await open(), await open()];
    const sub = channel();
    await slow.declare({ subscriptions: [sub] });
    const acked = gate();
    const got = inbox(async (d) => {
      await sleep(ACK_WAIT_MS * 3); // the slow work itself
      await d.ack();
      acked.open();
    });
    await slow.consume(sub, got.handler, { prefetch: 1 });
    await slow.publish(sub.destination, [message(1)]);
    await got.until(1);
    // A competing consumer, idle and pulling the whole time the handler works.
    const rival = inbox();
    await other.consume(sub, rival.handler);
    await acked.opened;
    await sleep(ACK_WAIT_MS); // a redelivery triggered just before the ack would land by now
    expect(got.received.map((d) => d.deliveryCount)).toEqual([1]);
    expect(rival.received).toEqual([]);
  });

  it('holds at most `prefetch` unsettled deliveries at once', async () => {
    const t = await open();
    const sub = channel();
    await t.declare({ subscriptions: [sub] });
    const release = gate();
    let busy = 0;
    let most = 0;
    const got = inbox(async (d) => {
      most = Math.max(most, ++busy);
      await release.opened;
      busy--;
      await d.ack();
    });
    await t.consume(sub, got.handler, { prefetch: 3 });
    await t.publish(
      sub.destination,
      Array.from({ length: 10 }, (_, i) => message(i)),
    );
    await got.until(3);
    await sleep(300); // a fourth would arrive now if the bound leaked
    expect(got.received).toHaveLength(3);
    release.open();
    await got.until(10);
    expect(most).toBe(3);
    expect(got.received.map(numberOf).toSorted(byNumber)).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it('takes each dead letter once, oldest first, even with two takers at a time', async () => {
    const [t, u] = [await open(), await open()];
    const sub = channel();
    await t.declare({ subscriptions: [sub] });
    const parked: Promise<void>[] = [];
    const got = inbox(async (d) => {
      const done = d.deadLetter(`bad ${numberOf(d)}`);
      parked.push(done);
      await done;
    });
    await t.consume(sub, got.handler, { prefetch: 1 });
    await t.publish(
      sub.destination,
      Array.from({ length: 6 }, (_, i) => message(i)),
    );
    await got.until(6);
    await Promise.all(parked);
    const [first, second] = await Promise.all([
      t.takeDeadLetters(sub, { limit: 4 }),
      u.takeDeadLetters(sub, { limit: 4 }),
    ]);
    const numbers = (taken: typeof first) =>
      taken.map((d) => (JSON.parse(d.message.body) as { n: number }).n);
    for (const taken of [first, second]) expect(numbers(taken)).toEqual(numbers(taken).toSorted(byNumber));
    expect([...numbers(first), ...numbers(second)].toSorted(byNumber)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(
      [...first, ...second].every(
        (d) => d.reason === `bad ${(JSON.parse(d.message.body) as { n: number }).n}`,
      ),
    ).toBe(true);
    expect(await t.takeDeadLetters(sub)).toEqual([]);
  });

  it('parks a message that publish did not write rather than lose it', async () => {
    const t = await open();
    const sub = channel();
    await t.declare({ subscriptions: [sub] });
    const got = inbox();
    await t.consume(sub, got.handler);
    await jetstream(t.connection).publish(t.names.subject(sub.destination), 'raw bytes from another client');
    const deadline = Date.now() + TIMEOUT_MS;
    let parked = await t.takeDeadLetters(sub);
    while (parked.length === 0 && Date.now() < deadline) {
      await sleep(50); // parking happens inside the consumer: poll the queue, bounded
      parked = await t.takeDeadLetters(sub);
    }
    expect(got.received).toEqual([]);
    expect(parked).toMatchObject([
      {
        message: { body: 'raw bytes from another client' },
        reason: expect.stringMatching(/Undecodable: Not a Whizbang message/),
      },
    ]);
  });

  it('round-trips, through the server, headers that NATS headers cannot carry as they are', async () => {
    const t = await open();
    const sub = channel();
    await t.declare({ subscriptions: [sub] });
    const got = inbox();
    await t.consume(sub, got.handler);
    const sent = message(1, {
      id: ' spaced id\n',
      key: 'k%1',
      headers: {
        'two words': 'v',
        multi: 'a\r\nb',
        padded: ' x ',
        'Nats-Expected-Stream': 'nowhere',
        'Whizbang-Key': 'k',
      },
    });
    await t.publish(sub.destination, [sent]);
    await got.until(1);
    expect(got.received.map((d) => d.message)).toEqual([sent]);
  });

  it('rejects a batch holding a message larger than the server takes, before sending any of it', async () => {
    const t = await open();
    const sub = channel();
    await t.declare({ subscriptions: [sub] });
    const got = inbox();
    await t.consume(sub, got.handler);
    const max = t.connection.info?.max_payload ?? 0;
    expect(max).toBeGreaterThan(0);
    const error = await rejection(
      t.publish(sub.destination, [message(1), message(2, { body: 'x'.repeat(max) })]),
    );
    expect(isValidationError(error) && error.message).toMatch(
      /messages\[1\]\.body: is \d+ bytes .*max_payload/,
    );
    await t.publish(sub.destination, [message(3)]);
    await got.until(1);
    await sleep(200);
    expect(got.received.map(numberOf)).toEqual([3]);
  });

  it('says what is missing when a destination or group was not declared, and refuses work once closed', async () => {
    const t = await open();
    const sub = channel();
    const errors = [
      await rejection(t.publish(sub.destination, [message(1)])),
      await rejection(t.consume(sub, async (d) => d.ack())),
      await rejection(t.takeDeadLetters(sub)),
    ];
    const verdicts = errors.map((e) =>
      isStateError(e) && /not been declared.*declare it first/.test(e.message) ? 'ok' : e,
    );
    expect(verdicts).toEqual(['ok', 'ok', 'ok']);
    await t.close();
    expect(isStateError(await rejection(t.declare({ subscriptions: [sub] })))).toBe(true);
  });

  it.runIf(nats.down && nats.up)(
    'answers a ping only while the server and JetStream do: unavailable at once while it is down, again once it is back',
    async () => {
      const t = await open();
      await t.ping();
      await nats.down!();
      const failure = () =>
        t.ping().then(
          () => undefined,
          (e: unknown) => e,
        );
      const deadline = Date.now() + 10_000;
      while ((await failure()) === undefined) {
        if (Date.now() > deadline) throw new Error('ping kept answering with the server down');
        await sleep(50);
      }
      const started = Date.now();
      const error = await failure();
      expect(Date.now() - started).toBeLessThan(3_000 + 1_000);
      expect(error).toBeInstanceOf(NatsUnavailableError);
      await nats.up!();
      const back = Date.now() + 30_000;
      for (;;) {
        const failed = await failure();
        if (failed === undefined) break;
        if (!(failed instanceof NatsUnavailableError) || Date.now() > back) throw failed;
        await sleep(100);
      }
    },
    60_000,
  );

  it.runIf(nats.down && nats.up)(
    'while the server is down, publish fails fast and close returns; afterwards consumers resume and nothing acknowledged is lost',
    async () => {
      const t = await open();
      const bystander = await open();
      const live = channel();
      const parked = channel();
      await t.declare({ subscriptions: [live, parked] });
      const got = inbox();
      await t.consume(live, got.handler);
      await t.publish(live.destination, [message(1)]);
      await got.until(1);
      // Acknowledged with no consumer running: these must survive the restart on disk.
      await t.publish(parked.destination, [message(10), message(11), message(12)]);

      await nats.down!();
      const started = Date.now();
      const error = await rejection(t.publish(live.destination, [message(2)]));
      expect(error).toBeInstanceOf(NatsUnavailableError);
      expect((error as Error).message).toMatch(/publish again/);
      expect(Date.now() - started).toBeLessThan(3_000 + 1_000);
      const closing = Date.now();
      await bystander.close();
      expect(Date.now() - closing).toBeLessThan(1_000);

      await nats.up!();
      const deadline = Date.now() + 30_000;
      for (;;) {
        const failed = await t.publish(live.destination, [message(2)]).then(
          () => undefined,
          (e: unknown) => e,
        );
        if (!failed) break;
        if (Date.now() > deadline) throw failed;
        await sleep(100); // the client reconnects on its own schedule; retry, bounded
      }
      await got.until(2, 30_000);
      expect(got.received.map(numberOf)).toEqual([1, 2]);
      const later = inbox();
      await t.consume(parked, later.handler);
      await later.until(3);
      expect(later.received.map(numberOf).toSorted(byNumber)).toEqual([10, 11, 12]);
    },
    60_000,
  );
});
