/**
 * Builds a journey's tree from its steps, in whatever order and from however many services
 * they were recorded: steps group into messages, and each message hangs under the message that
 * caused it, when that message is in the journey.
 */
import type { Journey, JourneyNode, JourneyStep, JourneyStepKind } from './journey-step.js';

/** The kinds that name what a message is; the others are things done to it. */
const MESSAGE_KINDS = new Set<JourneyStepKind>(['command', 'query', 'event']);
/** Only events are applied by projections and reactors. */
const EVENT_HANDLERS = new Set<JourneyStepKind>(['projection', 'reactor']);

/** The message's kind and the step it is read from. */
function primaryStep(steps: readonly JourneyStep[]): { kind: JourneyStepKind; step: JourneyStep } {
  const named = steps.find((s) => MESSAGE_KINDS.has(s.kind));
  if (named) return { kind: named.kind, step: named };
  const applied = steps.find((s) => EVENT_HANDLERS.has(s.kind));
  if (applied) return { kind: 'event', step: applied };
  return { kind: steps[0]!.kind, step: steps[0]! };
}

const byStart = (a: JourneyStep, b: JourneyStep) =>
  a.startedAt - b.startedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

interface MutableNode {
  readonly messageId: string;
  readonly steps: JourneyStep[];
  children: MutableNode[];
  causationId: string | undefined;
}

function firstStart(node: MutableNode): number {
  return node.steps[0]!.startedAt;
}

function byFirstStart(a: MutableNode, b: MutableNode): number {
  return firstStart(a) - firstStart(b) || (a.messageId < b.messageId ? -1 : 1);
}

/** Freezes the shape of a node and its subtree (iteratively: a long causal chain is deep). */
function finish(root: MutableNode): JourneyNode {
  const done = new Map<MutableNode, JourneyNode>();
  const stack: MutableNode[] = [root];
  const order: MutableNode[] = [];
  while (stack.length > 0) {
    const node = stack.pop()!;
    order.push(node);
    stack.push(...node.children);
  }
  for (const node of order.toReversed()) {
    const { kind, step: primary } = primaryStep(node.steps);
    done.set(node, {
      messageId: node.messageId,
      messageType: primary.messageType,
      kind,
      ...(node.causationId !== undefined && { causationId: node.causationId }),
      ...(primary.service !== undefined && { service: primary.service }),
      steps: node.steps,
      children: node.children.map((child) => done.get(child)!),
    });
  }
  return done.get(root)!;
}

/**
 * The journey of `correlationId` from its steps (any order), or undefined when there are none.
 * A message whose cause is missing, or whose causes loop back to it, becomes a root.
 */
export function buildJourney(
  correlationId: string,
  steps: readonly JourneyStep[],
  truncated = false,
): Journey | undefined {
  if (steps.length === 0) return undefined;
  const nodes = new Map<string, MutableNode>();
  let start = Infinity;
  let end = -Infinity;
  let failed = false;
  for (const step of steps.toSorted(byStart)) {
    let node = nodes.get(step.messageId);
    if (!node)
      nodes.set(
        step.messageId,
        (node = { messageId: step.messageId, steps: [], children: [], causationId: undefined }),
      );
    node.steps.push(step);
    node.causationId ??= step.causationId;
    start = Math.min(start, step.startedAt);
    end = Math.max(end, step.startedAt + step.durationMs);
    failed ||= step.outcome === 'error';
  }

  const roots: MutableNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.causationId === undefined ? undefined : nodes.get(node.causationId);
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  // A loop of causes (corrupt or hand-made ids) has no root: walk up from a node it holds back
  // until the walk comes round, and make the message where it closed a root.
  const reached = new Set<MutableNode>();
  const mark = (from: MutableNode) => {
    const stack = [from];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (reached.has(node)) continue;
      reached.add(node);
      stack.push(...node.children);
    }
  };
  roots.forEach(mark);
  for (const node of [...nodes.values()].toSorted(byFirstStart)) {
    if (reached.has(node)) continue;
    const seen = new Set<MutableNode>();
    let member = node;
    while (!seen.has(member)) {
      seen.add(member);
      member = nodes.get(member.causationId!)!;
    }
    const parent = nodes.get(member.causationId!)!;
    parent.children.splice(parent.children.indexOf(member), 1);
    roots.push(member);
    mark(member);
  }

  for (const node of nodes.values()) node.children = node.children.toSorted(byFirstStart);
  return {
    correlationId,
    startedAt: start,
    durationMs: end - start,
    outcome: failed ? 'error' : 'ok',
    stepCount: steps.length,
    truncated,
    roots: roots.toSorted(byFirstStart).map(finish),
  };
}
