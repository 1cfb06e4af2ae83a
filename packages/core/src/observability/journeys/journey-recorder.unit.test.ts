import { describe, expect, it } from 'vitest';
import { isStateError, isValidationError, ValidationError } from '../../errors/catalog.js';
import { memoryStore } from '../../memory/memory-store.js';
import { uuidv7 } from '../../ids/uuidv7.js';
import { JourneyRecorder } from './journey-recorder.js';
import { journeyCollection, journeyStepOf, type JourneyStep, type NewJourneyStep } from './journey-step.js';
import { isSampled, samplePoint } from './sampling.js';

const step = (n: number, more: Partial<NewJourneyStep> = {}): NewJourneyStep => ({
  correlationId: `c-${n}`,
  messageId: `m-${n}`,
  messageType: 'OrderPlaced',
  kind: 'event',
  handler: 'summary',
  startedAt: 1_000 + n,
  durationMs: 2,
  outcome: 'ok',
  ...more,
});

async function all(store: ReturnType<typeof memoryStore>): Promise<JourneyStep[]> {
  return (await store.documents.list(journeyCollection, { limit: 10_000 })).map((d) => journeyStepOf(d.data));
}

describe('sampling', () => {
  it('gives the same answer for the same correlation id, every time', () => {
    const ids = Array.from({ length: 200 }, () => uuidv7());
    const first = ids.map((id) => isSampled(id, 0.3));
    expect(ids.map((id) => isSampled(id, 0.3))).toEqual(first);
    // A journey kept at a low rate is kept at every higher rate: raising the rate only adds.
    expect(ids.filter((id) => isSampled(id, 0.1)).every((id) => isSampled(id, 0.5))).toBe(true);
  });

  it('keeps close to the rate, even for UUIDv7 ids minted together', () => {
    const ids = Array.from({ length: 20_000 }, () => uuidv7());
    for (const rate of [0.01, 0.1, 0.5]) {
      const kept = ids.filter((id) => isSampled(id, rate)).length / ids.length;
      expect(Math.abs(kept - rate)).toBeLessThan(0.1 * rate + 0.005);
    }
    // Spread over [0, 1): every tenth holds about a tenth of the ids.
    const deciles = Array.from({ length: 10 }, () => 0);
    for (const id of ids) {
      const decile = Math.floor(samplePoint(id) * 10);
      deciles[decile] = (deciles[decile] ?? 0) + 1;
    }
    for (const n of deciles) expect(n).toBeGreaterThan(1_700);
  });

  it('keeps all at rate 1 and none at rate 0', () => {
    expect(isSampled('x', 1)).toBe(true);
    expect(isSampled('x', 0)).toBe(false);
    const store = memoryStore();
    const none = new JourneyRecorder({ store, sampleRate: 0 });
    expect(none.record(step(1))).toBe(false);
    expect(none.counters).toEqual({ recorded: 0, dropped: 0, flushed: 0 });
  });

  it('records every step of a sampled journey and none of a dropped one', async () => {
    const store = memoryStore();
    const recorder = new JourneyRecorder({ store, sampleRate: 0.5 });
    const ids = Array.from({ length: 40 }, () => uuidv7());
    for (const correlationId of ids) {
      for (const handler of ['a', 'b'])
        recorder.record(step(0, { correlationId, messageId: uuidv7(), handler }));
    }
    await recorder.flush();
    const kept = new Set(ids.filter((id) => recorder.sampled(id)));
    expect(kept.size).toBeGreaterThan(0);
    expect(kept.size).toBeLessThan(40);
    const steps = await all(store);
    expect(new Set(steps.map((s) => s.correlationId))).toEqual(kept);
    expect(steps).toHaveLength(kept.size * 2);
  });
});

describe('JourneyRecorder', () => {
  it('writes steps on flush with defaults filled in and unknown fields left out', async () => {
    const store = memoryStore();
    const recorder = new JourneyRecorder({ store, node: 'host:1', service: 'orders' });
    const extra = { ...step(1), stack: 'not stored' } as NewJourneyStep;
    expect(recorder.record(extra)).toBe(true);
    recorder.record(
      step(2, {
        service: 'billing',
        node: 'other:2',
        outcome: 'error',
        error: Object.assign(new TypeError('boom'), { code: 'E_BOOM' }),
        budget: { maxLatencyMs: 1, exceeded: true },
        inputBytes: 10,
        outputBytes: 0,
        data: { password: 'never captured' },
      }),
    );
    expect(await all(store)).toEqual([]);
    expect(recorder.buffered).toBe(2);
    await recorder.flush();
    expect(recorder.counters).toEqual({ recorded: 2, dropped: 0, flushed: 2 });
    expect(await all(store)).toEqual([
      {
        ...step(1),
        id: 'm-1:summary',
        node: 'host:1',
        service: 'orders',
      },
      {
        ...step(2),
        id: 'm-2:summary',
        node: 'other:2',
        service: 'billing',
        outcome: 'error',
        error: { name: 'TypeError', message: 'boom', code: 'E_BOOM' },
        budget: { maxLatencyMs: 1, exceeded: true },
        inputBytes: 10,
        outputBytes: 0,
      },
    ]);
  });

  it('captures data only when asked, masked when recorded, and bounded', async () => {
    const store = memoryStore();
    const recorder = new JourneyRecorder({ store, captureData: true, maxDataChars: 100 });
    const data = { customer: { name: 'Ada', password: 'secret' }, total: 12n };
    recorder.record(step(1, { data }));
    data.customer.name = 'changed after recording';
    recorder.record(step(2, { data: { text: 'x'.repeat(200) } }));
    const cyclic: Record<string, unknown> = {};
    cyclic.me = cyclic;
    recorder.record(step(3, { data: cyclic }));
    await recorder.flush();
    expect((await all(store)).map((s) => s.data)).toEqual([
      { customer: { name: 'Ada', password: '[REDACTED]' }, total: '12' },
      '[Truncated: 211 characters of JSON]',
      { me: '[Circular]' },
    ]);
  });

  it('masks with the redactor it is given', async () => {
    const store = memoryStore();
    const recorder = new JourneyRecorder({ store, captureData: true, redact: () => 'masked' });
    recorder.record(step(1, { data: { any: 'thing' } }));
    await recorder.flush();
    expect((await all(store))[0]?.data).toBe('masked');
  });

  it('bounds its buffer: beyond maxBuffered steps are dropped and counted', async () => {
    const store = memoryStore();
    const recorder = new JourneyRecorder({ store, maxBuffered: 3 });
    const kept = [1, 2, 3, 4, 5].map((n) => recorder.record(step(n)));
    expect(kept).toEqual([true, true, true, false, false]);
    expect(recorder.counters).toEqual({ recorded: 3, dropped: 2, flushed: 0 });
    await recorder.flush();
    expect(recorder.record(step(6))).toBe(true);
    await recorder.flush();
    expect((await all(store)).map((s) => s.messageId)).toEqual(['m-1', 'm-2', 'm-3', 'm-6']);
    expect(recorder.counters).toEqual({ recorded: 4, dropped: 2, flushed: 4 });
  });

  it('reports a failed flush, drops its steps, and keeps recording', async () => {
    const store = memoryStore();
    const errors: unknown[] = [];
    const recorder = new JourneyRecorder({ store, onError: (e) => errors.push(e) });
    recorder.record(step(1));
    recorder.record(step(2));
    await store.close();
    await expect(recorder.flush()).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(isStateError(errors[0])).toBe(true);
    expect(recorder.counters).toEqual({ recorded: 2, dropped: 2, flushed: 0 });
    expect(recorder.buffered).toBe(0);
    expect(recorder.record(step(3))).toBe(true);
  });

  it('never throws from record: a malformed step is dropped and reported when written', async () => {
    const store = memoryStore();
    const errors: unknown[] = [];
    const recorder = new JourneyRecorder({
      store,
      onError: (e) => {
        errors.push(e);
        throw new Error('a failing error handler is ignored too');
      },
    });
    expect(recorder.record(undefined as never)).toBe(false);
    expect(errors).toHaveLength(1);
    const bad = [
      step(1, { startedAt: Number.NaN }),
      step(2, { kind: 'nope' as never }),
      step(3, { messageId: '' }),
      step(4, { error: { name: 'E' } as never }),
      step(5, { inputBytes: -1 }),
    ];
    for (const s of bad) expect(recorder.record(s)).toBe(true);
    recorder.record(step(6));
    await recorder.flush();
    expect(errors).toHaveLength(6);
    expect(errors.slice(1).every(isValidationError)).toBe(true);
    expect((errors[1] as Error).message).toContain('startedAt');
    expect(recorder.counters).toEqual({ recorded: 6, dropped: 6, flushed: 1 });
    expect((await all(store)).map((s) => s.messageId)).toEqual(['m-6']);
  });

  it('keeps error messages, bounded', async () => {
    const store = memoryStore();
    const recorder = new JourneyRecorder({ store });
    const message = 'password=hunter2 '.repeat(1_000);
    recorder.record(step(1, { outcome: 'error', error: { name: 'Error', message } }));
    await recorder.flush();
    const stored = (await all(store))[0]?.error?.message;
    expect(stored).toHaveLength(4_096);
    expect(stored?.startsWith('password=hunter2 password')).toBe(true);
    expect(stored?.endsWith('…')).toBe(true);
  });

  it('writes a step recorded twice before a flush once, the later one', async () => {
    const store = memoryStore();
    const recorder = new JourneyRecorder({ store });
    recorder.record(step(1, { durationMs: 1 }));
    recorder.record(step(1, { durationMs: 9 }));
    await recorder.flush();
    expect((await all(store)).map((s) => s.durationMs)).toEqual([9]);
    expect(recorder.counters.flushed).toBe(2);
  });

  it('shortens an id too long for the documents port, deterministically', async () => {
    const store = memoryStore();
    const recorder = new JourneyRecorder({ store });
    const handler = 'h'.repeat(300);
    recorder.record(step(1, { handler }));
    recorder.record(step(1, { handler, durationMs: 7 }));
    await recorder.flush();
    const steps = await all(store);
    expect(steps).toHaveLength(1);
    expect(steps[0]?.id).toHaveLength(250);
    expect(steps[0]?.handler).toBe(handler);
    expect(steps[0]?.durationMs).toBe(7);
  });

  it('flushes on its timer while started, and what is left on stop', async () => {
    const store = memoryStore();
    const recorder = new JourneyRecorder({ store, flushIntervalMs: 10 });
    await recorder.start();
    await expect(recorder.start()).rejects.toSatisfy(isStateError);
    recorder.record(step(1));
    await expect.poll(async () => (await all(store)).length, { interval: 5 }).toBe(1);
    recorder.record(step(2));
    await recorder.stop();
    expect(await all(store)).toHaveLength(2);
    // Stopped: no timer runs, but steps still buffer (bounded) for an explicit flush.
    recorder.record(step(3));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(await all(store)).toHaveLength(2);
    expect(recorder.buffered).toBe(1);
  });

  it('purges steps older than the retention, in pages, and on start', async () => {
    const store = memoryStore();
    const day = 86_400_000;
    const now = Date.now();
    const recorder = new JourneyRecorder({ store, retentionDays: 2 });
    for (let n = 0; n < 2_500; n++) recorder.record(step(n, { startedAt: now - 3 * day - n }));
    recorder.record(step(9_001, { startedAt: now - 2 * day + 60_000 }));
    recorder.record(step(9_002, { startedAt: now }));
    await recorder.flush();
    expect(await recorder.purge(now)).toBe(2_500);
    expect((await all(store)).map((s) => s.messageId)).toEqual(['m-9001', 'm-9002']);
    expect(await recorder.purge(new Date(now))).toBe(0);
    // On start a purge runs against the current time.
    recorder.record(step(9_003, { startedAt: now - 5 * day }));
    await recorder.flush();
    await recorder.start();
    await recorder.stop();
    expect((await all(store)).map((s) => s.messageId)).toEqual(['m-9001', 'm-9002']);
  });

  it('refuses bad options with one error naming each', () => {
    const make = () =>
      new JourneyRecorder({
        store: memoryStore(),
        sampleRate: 2,
        retentionDays: 0,
        maxBuffered: 0,
        flushIntervalMs: 1.5,
      });
    expect(make).toThrow(ValidationError);
    expect(make).toThrow(/sampleRate.*retentionDays.*flushIntervalMs.*maxBuffered/);
  });
});
