import { describe, expect, it } from 'vitest';
import { isValidationError } from '../errors/catalog.js';
import { memoryStore } from '../memory/memory-store.js';
import { defineCommand, defineEvent, type, type MessageOf } from '../messages/define.js';
import { defineSaga } from './define-saga.js';
import { runSagaStep, type SagaInstance, type SagaTrigger } from './saga-step.js';

const Started = defineEvent('Started', { data: type<{ id: string }>() });
const Poked = defineEvent('Poked', { data: type<{ id: string; wait?: number }>() });
const Failed = defineEvent('Failed', { data: type<{ id: string }>() });
const Undo = defineCommand('Undo', { data: type<{ step: number }>() });
const Notify = defineCommand('Notify', { data: type<{ why: string }>() });
type M = MessageOf<typeof Started> | MessageOf<typeof Poked> | MessageOf<typeof Failed>;

const pokes = defineSaga<{ pokes: number }, M>({
  name: 'pokes',
  startedBy: [Started],
  correlate: { Started: (e) => e.data.id, Poked: (e) => e.data.id, Failed: (e) => e.data.id },
  initialState: () => ({ pokes: 0 }),
  handlers: {
    Started: (_s, _e, saga) => saga.requestTimeout('nudge', { delayMs: 1_000 }, { n: 1 }),
    Poked: (s, e, saga) => {
      saga.addCompensation(Undo({ step: s.pokes + 1 }));
      if (e.data.wait !== undefined) saga.requestTimeout('nudge', { delayMs: e.data.wait });
      return { pokes: s.pokes + 1 };
    },
    Failed: (_s, _e, saga) => saga.compensate('it failed'),
  },
  timeouts: { nudge: (_s, _t, saga) => saga.complete() },
  compensate: (s, failure, saga) => saga.send(Notify({ why: `${failure.reason} after ${s.pokes}` })),
});

const store = memoryStore();
const at = (message: { type: string; data: unknown }): SagaTrigger => ({
  kind: 'message',
  message: {
    id: `m-${Math.random()}`,
    ...message,
    metadata: { correlationId: 'c', timestamp: 0 },
  },
});
const step = (instance: SagaInstance<{ pokes: number }> | undefined, trigger: SagaTrigger) =>
  runSagaStep(pokes, instance, trigger, { id: 'a', store, now: Date.UTC(2026, 0, 1) });

async function instanceAfter(first: SagaTrigger, ...more: SagaTrigger[]) {
  let last = await step(undefined, first);
  let instance = last.handled ? last.instance : undefined;
  for (const trigger of more) {
    last = await step(instance, trigger);
    if (last.handled) instance = last.instance;
  }
  return { instance: instance!, last };
}

function issuesOf(define: () => unknown): string[] {
  try {
    define();
  } catch (error) {
    if (isValidationError(error)) return error.issues.map((i) => (i.path ?? []).join('.'));
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('defineSaga', () => {
  const base = {
    name: 's',
    startedBy: ['Started'],
    correlate: { Started: () => 'x' },
    initialState: () => ({}),
    handlers: { Started: () => undefined },
  };
  it('refuses a definition that could not run, naming the field', () => {
    expect(issuesOf(() => defineSaga({ ...base, name: 'a b' }))).toEqual(['name']);
    expect(issuesOf(() => defineSaga({ ...base, correlate: {} }))).toEqual(['correlate.Started']);
    expect(issuesOf(() => defineSaga({ ...base, startedBy: ['Other'] }))).toEqual(['startedBy']);
    expect(issuesOf(() => defineSaga({ ...base, startedBy: [] }))).toEqual(['startedBy']);
    expect(issuesOf(() => defineSaga({ ...base, handlers: {} }))).toEqual(['handlers']);
    expect(issuesOf(() => defineSaga({ ...base, timeouts: { t: 1 as never } }))).toEqual(['timeouts.t']);
    expect(issuesOf(() => defineSaga({ ...base, partitions: 0 }))).toEqual(['partitions']);
    expect(issuesOf(() => defineSaga({ ...base, keepEndedFor: -1 }))).toEqual(['keepEndedFor']);
    expect(issuesOf(() => defineSaga({ ...base, timeouts: { $forget: () => undefined } }))).toEqual([
      'timeouts.$forget',
    ]);
  });

  it('takes message definitions as well as type names, and checks what correlate returns', () => {
    const s = defineSaga({ ...base, startedBy: [Started], correlate: { Started: () => '' } });
    expect([...s.startedBy]).toEqual(['Started']);
    expect(issuesOf(() => s.correlationOf(at(Started({ id: 'x' })).message))).toEqual(['correlate.Started']);
  });
});

describe('a saga step', () => {
  it('starts only on a starting message, and asks for its timeouts', async () => {
    expect(await step(undefined, at(Poked({ id: 'a' })))).toEqual({ handled: false, reason: 'no-instance' });
    const started = await step(undefined, at(Started({ id: 'a' })));
    expect(started).toMatchObject({
      handled: true,
      started: true,
      instance: { status: 'active', steps: 1, state: { pokes: 0 } },
      intents: { send: [], timeouts: [{ name: 'nudge', data: { n: 1 } }], cancelled: [] },
    });
    const timeout = started.handled ? started.intents.timeouts[0] : undefined;
    expect(timeout?.dueAt.toISOString()).toBe('2026-01-01T00:00:01.000Z');
  });

  it('replaces a timeout asked for again, withdrawing the first', async () => {
    const { instance, last } = await instanceAfter(at(Started({ id: 'a' })), at(Poked({ id: 'a', wait: 5 })));
    const first = (await step(undefined, at(Started({ id: 'a' })))) as { instance: SagaInstance };
    expect(last.handled && last.intents.cancelled).toHaveLength(1);
    expect(instance.timeouts['nudge']?.dueAt).toBe('2026-01-01T00:00:00.005Z');
    expect(first.instance.timeouts['nudge']?.id).not.toBe(instance.timeouts['nudge']?.id);
  });

  it('ignores a timeout withdrawn or replaced after it was claimed, and anything after the end', async () => {
    const { instance } = await instanceAfter(at(Started({ id: 'a' })));
    const due = (id: string): SagaTrigger => ({
      kind: 'timeout',
      message: at(Started({ id: 'a' })).message,
      timeout: { name: 'nudge', id, data: null, dueAt: '2026-01-01T00:00:01.000Z' },
    });
    expect(await step(instance, due('an-older-one'))).toEqual({ handled: false, reason: 'stale-timeout' });
    const fired = await step(instance, due(instance.timeouts['nudge']?.id ?? 'none'));
    expect(fired).toMatchObject({ handled: true, instance: { status: 'completed', timeouts: {} } });
    const ended = fired.handled ? fired.instance : instance;
    expect(await step(ended, at(Poked({ id: 'a' })))).toEqual({ handled: false, reason: 'ended' });
  });

  it('compensates last step first, then runs compensate, and withdraws every timeout', async () => {
    const { instance, last } = await instanceAfter(
      at(Started({ id: 'a' })),
      at(Poked({ id: 'a' })),
      at(Poked({ id: 'a' })),
      at(Failed({ id: 'a' })),
    );
    expect(instance).toMatchObject({
      status: 'compensated',
      failure: { reason: 'it failed', during: 'Failed' },
      timeouts: {},
      steps: 4,
    });
    expect(last.handled && last.intents.send).toEqual([
      { type: 'Undo', data: { step: 2 } },
      { type: 'Undo', data: { step: 1 } },
      { type: 'Notify', data: { why: 'it failed after 2' } },
    ]);
    expect(last.handled && last.intents.cancelled).toHaveLength(1);
  });

  it('refuses a timeout the saga does not declare', async () => {
    const bad = defineSaga<unknown, MessageOf<typeof Started>>({
      name: 'bad',
      startedBy: [Started],
      correlate: { Started: (e) => e.data.id },
      initialState: () => ({}),
      handlers: { Started: (_s, _e, saga) => saga.requestTimeout('missing', { delayMs: 1 }) },
    });
    await expect(
      runSagaStep(bad, undefined, at(Started({ id: 'a' })), { id: 'a', store, now: 0 }),
    ).rejects.toSatisfy(isValidationError);
  });
});
