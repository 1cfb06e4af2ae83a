import { describe, expect, it } from 'vitest';
import { whizbang } from '../app/whizbang.js';
import { handle } from '../mediator/handlers.js';
import { defineCommand, defineEvent, type } from '../messages/define.js';
import { memoryStore } from '../memory/memory-store.js';
import { appendOptionsFrom } from '../deciders/command-handler.js';
import { defineProjection } from '../projections/define-projection.js';
import { defineReactor } from '../projections/define-reactor.js';
import { jsonLogger } from './logger.js';
import type { ObservabilityOptions } from './telemetry.js';

const PlaceOrder = defineCommand('PlaceOrder', {
  data: type<{ id: string; card?: string; fail?: boolean }>(),
  result: type<{ orderId: string }>(),
});
const ReserveStock = defineCommand('ReserveStock', { data: type<{ id: string }>() });
const OrderNoted = defineEvent('OrderNoted', { data: type<{ id: string }>() });

function app(observability: ObservabilityOptions = {}) {
  return whizbang({
    store: memoryStore(),
    logger: jsonLogger({ level: 'silent' }),
    observability,
    handlers: [
      handle(
        PlaceOrder,
        async (command, ctx) => {
          if (command.data.fail) throw Object.assign(new Error('card declined'), { code: 'DECLINED' });
          await ctx.send(ReserveStock({ id: command.data.id }));
          await ctx.publish(OrderNoted({ id: command.data.id }));
          return { orderId: command.data.id };
        },
        { name: 'placeOrder', budget: { maxLatencyMs: 10_000 } },
      ),
      handle(ReserveStock, () => undefined, { name: 'reserveStock' }),
      handle(OrderNoted, () => undefined, { name: 'audit' }),
      handle(OrderNoted, () => undefined, { name: 'mailer' }),
    ],
  });
}

describe('journey capture', () => {
  it('records every handled message of a journey, read back as a tree of causes', async () => {
    const orders = app({ journeys: { captureData: true } });
    await orders.start();
    await orders.send(PlaceOrder({ id: 'o-1', card: '4111' }), { correlationId: 'j-1', tenantId: 'acme' });
    await orders.stop(); // flushes
    const journey = await orders.journeys.get('j-1');
    expect(journey).toMatchObject({ correlationId: 'j-1', outcome: 'ok', stepCount: 4, truncated: false });
    const root = journey?.roots.at(0);
    expect(root).toMatchObject({ messageType: 'PlaceOrder', kind: 'command' });
    expect(root?.steps).toEqual([
      expect.objectContaining({
        handler: 'placeOrder',
        outcome: 'ok',
        tenantId: 'acme',
        node: orders.telemetry.node,
        inputBytes: JSON.stringify({ id: 'o-1', card: '4111' }).length,
        outputBytes: JSON.stringify({ orderId: 'o-1' }).length,
        budget: { maxLatencyMs: 10_000, exceeded: false },
        data: { id: 'o-1', card: '4111' },
      }),
    ]);
    const children = (root?.children ?? []).map((c) => [
      c.messageType,
      c.steps.map((s) => s.handler).toSorted(),
    ]);
    expect(children.toSorted((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
      ['OrderNoted', ['audit', 'mailer']],
      ['ReserveStock', ['reserveStock']],
    ]);
  });

  it('records a failure with its error, and masks captured data', async () => {
    const orders = app({
      journeys: { captureData: true, redact: (v) => ({ ...(v as object), card: '***' }) },
    });
    await orders.start();
    await expect(
      orders.send(PlaceOrder({ id: 'o-2', card: '4111', fail: true }), { correlationId: 'j-2' }),
    ).rejects.toThrow('card declined');
    await orders.stop();
    const { steps } = await orders.journeys.find({ correlationId: 'j-2' });
    expect(steps).toEqual([
      expect.objectContaining({
        outcome: 'error',
        error: { name: 'Error', message: 'card declined', code: 'DECLINED' },
        data: { id: 'o-2', card: '***', fail: true },
      }),
    ]);
    expect(steps[0]).not.toHaveProperty('outputBytes');
  });

  it('records the projections and reactors that applied an event, a failure as an error', async () => {
    const Noted = defineEvent('Noted', { data: type<{ id: string; bad?: boolean }>() });
    const Note = defineCommand('Note', { data: type<{ id: string; bad?: boolean }>() });
    const notes = whizbang({
      store: memoryStore(),
      logger: jsonLogger({ level: 'silent' }),
      observability: { journeys: { flushIntervalMs: 10 } },
      daemon: { pollIntervalMs: 10 },
      projections: [
        defineProjection<{ n: number }>({
          name: 'noteCounts',
          lifecycle: 'async',
          identity: () => 'all',
          initialState: () => ({ n: 0 }),
          handlers: { Noted: (doc) => ({ n: doc.n + 1 }) },
        }),
      ],
      reactors: [
        defineReactor({
          name: 'mailer',
          errors: { maxAttempts: 1, onFailure: 'dead-letter' },
          handlers: {
            Noted: (event) => {
              if ((event.data as { bad?: boolean }).bad) throw new Error('smtp down');
            },
          },
        }),
      ],
      handlers: [
        handle(Note, (command, ctx) =>
          ctx.store.events
            .appendToStream(`note-${command.data.id}`, [Noted(command.data)], appendOptionsFrom(ctx))
            .then(() => undefined),
        ),
      ],
    });
    await notes.start();
    await notes.send(Note({ id: 'n-1' }), { correlationId: 'j-4' });
    await notes.send(Note({ id: 'n-2', bad: true }), { correlationId: 'j-5' });
    await notes.waitForProjections();
    await notes.stop();
    const stepsOf = async (correlationId: string) => {
      const [command] = (await notes.journeys.get(correlationId))?.roots ?? [];
      const steps = (command?.children[0]?.steps ?? []).map((s) => [
        s.kind,
        s.handler,
        s.outcome,
        s.error?.message,
      ]);
      return steps.toSorted((a, b) => String(a[0]).localeCompare(String(b[0])));
    };
    expect(await stepsOf('j-4')).toEqual([
      ['projection', 'noteCounts', 'ok', undefined],
      ['reactor', 'mailer', 'ok', undefined],
    ]);
    expect(await stepsOf('j-5')).toEqual([
      ['projection', 'noteCounts', 'ok', undefined],
      ['reactor', 'mailer', 'error', 'smtp down'],
    ]);
  });

  it('keeps or drops whole journeys by sample rate, and records nothing when off', async () => {
    const none = app({ journeys: { sampleRate: 0 } });
    await none.start();
    await none.send(PlaceOrder({ id: 'o-3' }), { correlationId: 'j-3' });
    await none.stop();
    expect(await none.journeys.get('j-3')).toBeUndefined();

    const off = app();
    expect(off.journeyRecorder).toBeUndefined();
    expect(off.telemetry.journeys).toBeUndefined();
  });
});
