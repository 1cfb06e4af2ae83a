// Publisher confirms that fail, connections that drop, a broker that restarts: what the
// transport promises when RabbitMQ is not well, shown against a real one.
import { connect, type ChannelModel } from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isStateError, isTransportUnavailableError, type TransportMessage } from '@whizbang/core';
import { rabbitmqTransport, type RabbitMqTransport } from './rabbitmq-transport.js';
import {
  brokerUrl,
  deleteByPrefix,
  dropConnections,
  rabbitmqAvailable,
  runPrefix,
  startBroker,
  stopBroker,
  until,
} from './test-support/broker.js';
import { tcpProxy } from '@whizbang/testing';

const available = await rabbitmqAvailable();

describe.runIf(available)('rabbitmq: failures and recovery', () => {
  const prefix = runPrefix('rec');
  let admin: ChannelModel;
  const open: RabbitMqTransport[] = [];
  const transport = async (connectionName = 'whizbang-test') => {
    const t = await rabbitmqTransport({
      url: brokerUrl,
      prefix,
      connectionName,
      reconnect: { maxDelayMs: 500 },
    });
    open.push(t);
    return t;
  };
  let n = 0;
  const channel = () => {
    const destination = `d${n++}`;
    return { destination, group: (group: string) => ({ destination, group }) };
  };
  const message = (i: number): TransportMessage => ({
    id: `m-${i}`,
    type: 'Numbered',
    body: `${i}`,
    headers: {},
  });
  const rejection = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (error: unknown) => error,
    );

  beforeAll(async () => {
    admin = await connect(brokerUrl);
    admin.on('error', () => undefined);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
  });
  afterAll(async () => {
    await admin?.close().catch(() => undefined);
    await deleteByPrefix(prefix);
  }, 60_000);

  it('with lazyConnect, is made while no broker answers, refuses work at once, and closes', async () => {
    const started = Date.now();
    const lazy = await rabbitmqTransport({
      url: 'amqp://guest:guest@127.0.0.1:1',
      prefix,
      lazyConnect: true,
    });
    expect(Date.now() - started).toBeLessThan(500);
    expect(lazy.connected).toBe(false);
    expect(isTransportUnavailableError(await rejection(lazy.declare({ destinations: ['d-lazy'] })))).toBe(
      true,
    );
    expect(isTransportUnavailableError(await rejection(lazy.publish('d-lazy', [message(1)])))).toBe(true);
    expect(isTransportUnavailableError(await rejection(lazy.ping()))).toBe(true);
    const closing = Date.now();
    await lazy.close();
    expect(Date.now() - closing).toBeLessThan(3_000);
  });

  it('rejects a ping the broker leaves unanswered within connectTimeoutMs, rather than hang', async () => {
    const broker = new URL(brokerUrl);
    const proxy = await tcpProxy({ host: broker.hostname, port: Number(broker.port || 5672) });
    try {
      const through = new URL(brokerUrl);
      through.port = String(proxy.port);
      const t = await rabbitmqTransport({ url: through.toString(), prefix, connectTimeoutMs: 500 });
      open.push(t);
      await t.ping();
      proxy.stall(); // the socket stays open, heartbeats have not noticed yet: only the bound helps
      const started = Date.now();
      const error = await rejection(t.ping());
      expect(Date.now() - started).toBeGreaterThanOrEqual(450);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(isTransportUnavailableError(error)).toBe(true);
      expect(String(error)).toMatch(
        /RabbitMQ at amqp:\/\/127\.0\.0\.1:\d+ did not answer a ping within 500 ms/,
      );
    } finally {
      await Promise.all(open.splice(0).map((t) => t.close()));
      await proxy.close();
    }
  });

  it('rejects a publish no queue takes (unroutable), rather than taking its confirm for delivery', async () => {
    const t = await transport();
    const { destination, group } = channel();
    await t.declare({ subscriptions: [group('svc')] });
    const setup = await admin.createChannel();
    await setup.deleteQueue(`${prefix}${destination}:svc`); // the only queue bound, gone
    await setup.close();
    const error = await rejection(t.publish(destination, [message(1), message(2)]));
    expect(isStateError(error)).toBe(true);
    expect(String(error)).toMatch(/returned 2 of 2 message\(s\).*unroutable/);
  });

  it('rejects a publish the broker refuses to confirm (basic.nack)', async () => {
    const t = await transport();
    const { destination, group } = channel();
    await t.declare({ subscriptions: [group('svc')] });
    // A queue that takes nothing, bound beside the group's: the broker nacks what it cannot enqueue.
    const setup = await admin.createChannel();
    const full = `${prefix}${destination}:full`;
    await setup.assertQueue(full, { arguments: { 'x-max-length': 0, 'x-overflow': 'reject-publish' } });
    await setup.bindQueue(full, `${prefix}${destination}`, '');
    await setup.close();
    const error = await rejection(t.publish(destination, [message(1)]));
    expect(isStateError(error)).toBe(true);
    expect(String(error)).toMatch(/RabbitMQ refused message 'm-1' \(basic\.nack/);
  });

  it('rejects a publish whose channel the broker closes, then declares the exchange and its bindings again', async () => {
    const t = await transport();
    const { destination, group } = channel();
    await t.declare({ subscriptions: [group('svc')] });
    const got: string[] = [];
    await t.consume(group('svc'), async (d) => {
      got.push(d.message.id);
      await d.ack();
    });
    const setup = await admin.createChannel();
    await setup.deleteExchange(`${prefix}${destination}`); // behind the transport's back
    await setup.close();
    const error = await rejection(t.publish(destination, [message(1), message(2)]));
    expect(isStateError(error)).toBe(true);
    expect(String(error)).toMatch(/closed before message 'm-1' was confirmed \(.*NOT_FOUND - no exchange/);
    await t.publish(destination, [message(3)]);
    await until('the message published after the repair arrives', () => got.length === 1);
    expect(got).toEqual(['m-3']);
  });

  it('after a dropped connection, reconnects, declares its topology again and resumes its consumers', async () => {
    const name = `${prefix}drop`;
    const t = await transport(name);
    const { destination, group } = channel();
    await t.declare({ subscriptions: [group('live'), group('parked')] });
    const got: string[] = [];
    await t.consume(group('live'), async (d) => {
      got.push(d.message.id);
      await d.ack();
    });
    // A broker that lost part of the topology: the exchange (with its bindings) and one queue.
    const setup = await admin.createChannel();
    await setup.deleteExchange(`${prefix}${destination}`);
    await setup.deleteQueue(`${prefix}${destination}:parked`);
    await setup.close();
    expect(await dropConnections(name)).toBe(1);
    // Another connection can publish only once `t` has declared the exchange again; `t` says it
    // is connected only once it has declared everything again. (Before the probe gets through,
    // `connected` may still be true from the connection the broker has just closed.)
    const other = await transport();
    const deadline = Date.now() + 15_000;
    for (;;) {
      const error = await rejection(other.publish(destination, [message(0)]));
      if (error === undefined) break;
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await until('the transport has reconnected', () => t.connected);
    await other.publish(destination, [message(1)]);
    await until('the resumed consumer receives', () => got.includes('m-1'));
    const parked: string[] = [];
    await other.consume(group('parked'), async (d) => {
      parked.push(d.message.id);
      await d.ack();
    });
    await until('the re-declared queue holds the message', () => parked.includes('m-1'));
  });

  it('keeps persistent messages across a broker restart; meanwhile publish and ping reject at once and close does not hang', async () => {
    const t = await transport();
    const spare = await transport();
    const { destination, group } = channel();
    await t.declare({ subscriptions: [group('svc')] });
    await t.publish(
      destination,
      Array.from({ length: 500 }, (_, i) => message(i)),
    );
    await t.ping();
    await stopBroker();
    try {
      await until('the transport notices the broker is gone', () => !t.connected, 15_000);
      const started = Date.now();
      const error = await rejection(t.publish(destination, [message(500)]));
      expect(Date.now() - started).toBeLessThan(500);
      expect(isTransportUnavailableError(error)).toBe(true);
      expect(String(error)).toMatch(/Not connected to RabbitMQ at amqp:\/\/.*reconnecting in the background/);
      const pinging = Date.now();
      const unanswered = await rejection(t.ping());
      expect(Date.now() - pinging).toBeLessThan(500);
      expect(isTransportUnavailableError(unanswered)).toBe(true);
      const closing = Date.now();
      await spare.close();
      expect(Date.now() - closing).toBeLessThan(4_000);
    } finally {
      await startBroker();
    }
    await until('the transport reconnects', () => t.connected, 30_000);
    await t.ping();
    const got: string[] = [];
    await t.consume(group('svc'), async (d) => {
      got.push(d.message.id);
      await d.ack();
    });
    await until('every message published before the restart arrives', () => got.length === 500, 15_000);
    expect(got).toEqual(Array.from({ length: 500 }, (_, i) => `m-${i}`));
  }, 120_000);
});
