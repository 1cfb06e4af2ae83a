// What the shared suite cannot see: how the model lands on RabbitMQ, and the cases only an AMQP
// broker produces (messages from other publishers, classic queues, names RabbitMQ reserves).
import { connect, type ChannelModel } from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  isStateError,
  isTransportUnavailableError,
  isValidationError,
  type Delivery,
  type TransportMessage,
} from '@whizbang/core';
import { rabbitmqTransport, type RabbitMqTransport } from './rabbitmq-transport.js';
import {
  brokerUrl,
  deleteByPrefix,
  rabbitmqAvailable,
  rabbitmqctl,
  runPrefix,
  until,
} from './test-support/broker.js';

const available = await rabbitmqAvailable();

describe.runIf(available)('rabbitmq: the AMQP mapping', () => {
  const prefix = runPrefix('map');
  let admin: ChannelModel;
  const open: RabbitMqTransport[] = [];
  const transport = async (options: { queueType?: 'quorum' | 'classic' } = {}) => {
    const t = await rabbitmqTransport({ url: brokerUrl, prefix, ...options });
    open.push(t);
    return t;
  };
  let n = 0;
  const channel = () => {
    const destination = `d${n++}`;
    return { destination, group: (group: string) => ({ destination, group }) };
  };
  const message = (i: number, extra: Partial<TransportMessage> = {}): TransportMessage => ({
    id: `m-${i}`,
    type: 'Numbered',
    body: JSON.stringify({ i }),
    headers: {},
    ...extra,
  });

  beforeAll(async () => {
    admin = await connect(brokerUrl);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
  });
  afterAll(async () => {
    await admin?.close();
    await deleteByPrefix(prefix);
  }, 60_000);

  it('declares a durable fanout exchange per destination, and durable quorum queues per group', async () => {
    const t = await transport();
    const { destination, group } = channel();
    await t.declare({ subscriptions: [group('billing')] });
    const exchanges = await rabbitmqctl(
      'list_exchanges',
      '--quiet',
      '--no-table-headers',
      'name',
      'type',
      'durable',
    );
    expect(exchanges).toContain(`${prefix}${destination}\tfanout\ttrue`);
    const queues = await rabbitmqctl(
      'list_queues',
      '--quiet',
      '--no-table-headers',
      'name',
      'type',
      'durable',
    );
    expect(queues).toContain(`${prefix}${destination}:billing\tquorum\ttrue`);
    expect(queues).toContain(`${prefix}${destination}:billing:dead-letters\tquorum\ttrue`);
  });

  it('publishes persistent messages with id, type, headers and key where AMQP tools see them', async () => {
    const t = await transport();
    const { destination } = channel();
    await t.declare({ destinations: [destination] });
    const tap = await admin.createChannel();
    const { queue } = await tap.assertQueue('', { exclusive: true });
    await tap.bindQueue(queue, `${prefix}${destination}`, '');
    await t.publish(destination, [
      message(1, { key: 'order-1', headers: { tenant: 't1', 'x-origin': 'web' } }),
    ]);
    const raw = await tap.get(queue, { noAck: true });
    await tap.close();
    expect(raw && raw.properties).toMatchObject({
      deliveryMode: 2,
      messageId: 'm-1',
      type: 'Numbered',
      headers: { tenant: 't1', 'x-whizbang-h-x-origin': 'web', 'x-whizbang-key': 'order-1' },
    });
    expect(raw && raw.content.toString()).toBe('{"i":1}');
  });

  it('counts each redelivery, and parks awkward messages exactly as they were published', async () => {
    const t = await transport();
    const { destination, group } = channel();
    await t.declare({ subscriptions: [group('svc')] });
    const counts: number[] = [];
    const seen: TransportMessage[] = [];
    let parkedOne = false;
    await t.consume(
      group('svc'),
      async (d) => {
        counts.push(d.deliveryCount);
        seen.push(d.message);
        if (d.deliveryCount < 3) return d.nack();
        await d.deadLetter('third time unlucky');
        parkedOne = true;
      },
      { prefetch: 1 },
    );
    const awkward = message(1, {
      id: '✓'.repeat(250), // 750 bytes: more than an AMQP message-id holds
      key: 'k',
      headers: { 'x-delivery-count': 'mine', 'X-Whizbang-Key': 'not the key', empty: '' },
    });
    await t.publish(destination, [awkward]);
    await until('the third delivery was dead-lettered', () => parkedOne);
    expect(counts).toEqual([1, 2, 3]);
    for (const m of seen) expect(m).toEqual(awkward);
    expect(await t.takeDeadLetters(group('svc'))).toEqual([
      { message: awkward, reason: 'third time unlucky' },
    ]);
  });

  it('takes dead letters oldest first, at most `limit` at a time', async () => {
    const t = await transport();
    const { destination, group } = channel();
    await t.declare({ subscriptions: [group('svc')] });
    let settled = 0;
    await t.consume(
      group('svc'),
      async (d) => {
        await d.deadLetter(`reason ${d.message.id}`);
        settled++;
      },
      { prefetch: 1 },
    );
    await t.publish(destination, [message(1), message(2), message(3)]);
    await until('three messages were dead-lettered', () => settled === 3);
    expect((await t.takeDeadLetters(group('svc'), { limit: 2 })).map((p) => p.reason)).toEqual([
      'reason m-1',
      'reason m-2',
    ]);
    expect((await t.takeDeadLetters(group('svc'), { limit: 2 })).map((p) => p.message.id)).toEqual(['m-3']);
  });

  it('parks a message another publisher sent without a message id, and never hands it to the handler', async () => {
    const t = await transport();
    const { destination, group } = channel();
    await t.declare({ subscriptions: [group('svc')] });
    const handled: Delivery[] = [];
    await t.consume(group('svc'), async (d) => {
      handled.push(d);
      await d.ack();
    });
    const foreign = await admin.createConfirmChannel();
    foreign.publish(`${prefix}${destination}`, '', Buffer.from('not ours'), { persistent: true });
    await foreign.waitForConfirms();
    await foreign.close();
    await t.publish(destination, [message(2)]);
    await until('the good message behind it arrived', () => handled.length === 1);
    expect(handled.map((d) => d.message.id)).toEqual(['m-2']);
    // Nothing tells the test when the transport has parked it: look until it is there.
    let parked = await t.takeDeadLetters(group('svc'));
    for (const deadline = Date.now() + 5_000; parked.length === 0 && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      parked = await t.takeDeadLetters(group('svc'));
    }
    expect(parked).toHaveLength(1);
    const [foreignParked] = parked;
    expect(foreignParked?.message.body).toBe('not ours');
    expect(foreignParked?.reason).toMatch(/no message-id property: it was not published by Whizbang/);
  });

  it('on classic queues, says it cannot count deliveries and reports a redelivery as the second', async () => {
    const t = await transport({ queueType: 'classic' });
    expect(t.capabilities.countsDeliveries).toBe(false);
    const { destination, group } = channel();
    await t.declare({ subscriptions: [group('classic')] });
    const counts: number[] = [];
    await t.consume(
      group('classic'),
      async (d) => {
        counts.push(d.deliveryCount);
        await (counts.length < 3 ? d.nack() : d.ack());
      },
      { prefetch: 1 },
    );
    await t.publish(destination, [message(1)]);
    await until('three deliveries', () => counts.length === 3);
    expect(counts).toEqual([1, 2, 2]);
    const queues = await rabbitmqctl('list_queues', '--quiet', '--no-table-headers', 'name', 'type');
    expect(queues).toContain(`${prefix}${destination}:classic\tclassic`);
  });

  it('refuses what RabbitMQ would refuse, and what was never declared, with errors that say what to do', async () => {
    const t = await transport();
    const { destination, group } = channel();
    const refused = async (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(isValidationError(await refused(rabbitmqTransport({ url: 'http://localhost' })))).toBe(true);
    expect(isValidationError(await refused(rabbitmqTransport({ url: brokerUrl, prefix: 'has space' })))).toBe(
      true,
    );
    const down = await refused(
      rabbitmqTransport({ url: 'amqp://guest:secret@127.0.0.1:1', connectTimeoutMs: 2_000 }),
    );
    expect(isTransportUnavailableError(down)).toBe(true);
    expect(String(down)).toMatch(
      /Could not connect to RabbitMQ at amqp:\/\/127\.0\.0\.1:1.*broker is running/,
    );
    expect(String(down)).not.toContain('secret');
    const reserved = await rabbitmqTransport({ url: brokerUrl });
    open.push(reserved);
    expect(isValidationError(await refused(reserved.declare({ destinations: ['amq.mine'] })))).toBe(true);
    const undeclared = await refused(t.publish(destination, [message(1)]));
    expect(isStateError(undeclared) && String(undeclared)).toMatch(/has not been declared.*declare\(/);
    expect(isStateError(await refused(t.consume(group('svc'), async () => undefined)))).toBe(true);
    expect(isStateError(await refused(t.takeDeadLetters(group('svc'))))).toBe(true);
    await t.close();
    expect(isStateError(await refused(t.publish(destination, [])))).toBe(true);
  });
});
