import { describe, expect, it } from 'vitest';
import type { JourneyNode, JourneyStep } from './journey-step.js';
import { buildJourney } from './journey-tree.js';

const step = (
  messageId: string,
  handler: string,
  startedAt: number,
  more: Partial<JourneyStep> = {},
): JourneyStep => ({
  id: `${messageId}:${handler}`,
  correlationId: 'c-1',
  messageId,
  messageType: messageId.toUpperCase(),
  kind: 'event',
  handler,
  node: 'n1',
  startedAt,
  durationMs: 5,
  outcome: 'ok',
  ...more,
});

/** The tree as nested `[messageId, [handlers], children]`, for compact assertions. */
type Shape = [string, string[], Shape[]];
const shape = (node: JourneyNode): Shape => [
  node.messageId,
  node.steps.map((s) => s.handler),
  node.children.map(shape),
];

describe('buildJourney', () => {
  it('hangs messages under their causes, whatever order the steps come in', () => {
    const steps = [
      step('e2', 'shipping', 40, { causationId: 'c' }),
      step('e1', 'summary', 30, { causationId: 'c', kind: 'projection' }),
      step('c', 'place-order', 10, { kind: 'command', durationMs: 25 }),
      step('e1', 'mailer', 20, { causationId: 'c', kind: 'reactor' }),
      step('e1', 'audit', 20, { causationId: 'c', kind: 'event', id: 'e1:0-audit' }),
      step('x', 'charge', 60, { causationId: 'e2', kind: 'command', durationMs: 15 }),
    ];
    const journey = buildJourney('c-1', steps.toReversed())!;
    expect(journey.roots.map(shape)).toEqual([
      [
        'c',
        ['place-order'],
        [
          ['e1', ['audit', 'mailer', 'summary'], []],
          ['e2', ['shipping'], [['x', ['charge'], []]]],
        ],
      ],
    ]);
    expect(journey).toMatchObject({
      correlationId: 'c-1',
      startedAt: 10,
      durationMs: 65,
      outcome: 'ok',
      stepCount: 6,
      truncated: false,
    });
    const e1 = journey.roots[0]?.children[0];
    // The event's own kind wins over its projection's and reactor's steps.
    expect(e1).toMatchObject({ messageType: 'E1', kind: 'event', causationId: 'c' });
  });

  it('makes a message whose cause is missing a root, ordered by first start', () => {
    const journey = buildJourney('c-1', [
      step('late', 'h', 50, { causationId: 'purged' }),
      step('first', 'h', 1),
      step('child', 'h', 60, { causationId: 'late' }),
      step('self', 'h', 70, { causationId: 'self' }),
    ])!;
    expect(journey.roots.map(shape)).toEqual([
      ['first', ['h'], []],
      ['late', ['h'], [['child', ['h'], []]]],
      ['self', ['h'], []],
    ]);
    expect(journey.roots[1]?.causationId).toBe('purged');
  });

  it('joins steps written by different services and nodes into one message', () => {
    const journey = buildJourney('c-1', [
      step('cmd', 'relay', 10, { kind: 'publish', service: 'orders', node: 'a:1' }),
      step('cmd', 'consumer', 15, { kind: 'consume', service: 'billing', node: 'b:1' }),
      step('cmd', 'charge-card', 16, { kind: 'command', service: 'billing', node: 'b:1' }),
      step('paid', 'notify', 30, { causationId: 'cmd', service: 'orders', node: 'a:2' }),
    ])!;
    expect(journey.roots.map(shape)).toEqual([
      ['cmd', ['relay', 'consumer', 'charge-card'], [['paid', ['notify'], []]]],
    ]);
    expect(journey.roots[0]).toMatchObject({ kind: 'command', service: 'billing' });
  });

  it('reads an event from its projections and reactors, else takes the first step', () => {
    const applied = buildJourney('c-1', [
      step('e', 'relay', 1, { kind: 'publish', service: 'a' }),
      step('e', 'summary', 2, { kind: 'projection', service: 'b' }),
    ])!;
    expect(applied.roots[0]).toMatchObject({ kind: 'event', service: 'b' });
    const journey = buildJourney('c-1', [step('m', 'relay', 1, { kind: 'publish', service: 'a' })])!;
    expect(journey.roots[0]).toMatchObject({ kind: 'publish', service: 'a' });
  });

  it('fails the journey when any step failed, and reports truncation', () => {
    const journey = buildJourney(
      'c-1',
      [
        step('a', 'h', 0),
        step('b', 'h', 10, {
          causationId: 'a',
          outcome: 'error',
          error: { name: 'TypeError', message: 'boom' },
        }),
      ],
      true,
    )!;
    expect(journey.outcome).toBe('error');
    expect(journey.truncated).toBe(true);
  });

  it('cuts a loop of causes at a member of the loop, keeping its other descendants', () => {
    const journey = buildJourney('c-1', [
      step('a', 'h', 10, { causationId: 'b' }),
      step('b', 'h', 20, { causationId: 'a' }),
      step('c', 'h', 5, { causationId: 'b' }),
    ])!;
    expect(journey.roots.map(shape)).toEqual([
      [
        'b',
        ['h'],
        [
          ['c', ['h'], []],
          ['a', ['h'], []],
        ],
      ],
    ]);
  });

  it('handles a causal chain deeper than the call stack would allow', () => {
    const steps = Array.from({ length: 20_000 }, (_, i) =>
      step(`m${i}`, 'h', i, i === 0 ? {} : { causationId: `m${i - 1}` }),
    );
    const journey = buildJourney('c-1', steps)!;
    let depth = 0;
    for (let node: JourneyNode | undefined = journey.roots[0]; node; node = node.children[0]) depth++;
    expect(depth).toBe(20_000);
  });

  it('is undefined without steps', () => {
    expect(buildJourney('c-1', [])).toBeUndefined();
  });
});
