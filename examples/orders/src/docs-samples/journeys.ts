/** Samples for docs/journeys.md; journeys.unit.test.ts runs them. */
import {
  createRedactor,
  JourneyQueries,
  JourneyRecorder,
  whizbang,
  type Journey,
  type JourneyNode,
  type Store,
} from '@whizbang/core';

export function appWithJourneys(store: Store) {
  // #region recorder
  const journeys = new JourneyRecorder({
    store,
    sampleRate: 0.25, // one journey in four, the same ones in every service
    retentionDays: 3,
    captureData: true, // keep each message's data, masked
    redact: createRedactor({ paths: ['customer.email', 'lines.*.note'] }),
    service: 'orders',
    onError: (error) => console.warn('journey steps lost:', error),
  });
  const app = whizbang({ store, services: [journeys] });
  // #endregion
  return { app, journeys };
}

// #region redact
const redact = createRedactor({ paths: ['customer.email', 'lines.*.note'], keys: ['iban'] });
export const masked = redact({
  customer: { name: 'Ada', email: 'ada@example.com', password: 'hunter2' },
  lines: [{ sku: 'A-1', note: 'leave at the door' }],
  payment: { IBAN: 'DE89 3704 0044 0532 0130 00' },
});
// → { customer: { name: 'Ada', email: '[REDACTED]', password: '[REDACTED]' },
//     lines: [{ sku: 'A-1', note: '[REDACTED]' }], payment: { IBAN: '[REDACTED]' } }
// #endregion

export async function lastFailure(store: Store): Promise<Journey | undefined> {
  // #region queries
  const queries = new JourneyQueries(store);
  const failed = await queries.find({ outcome: 'error', from: Date.now() - 3_600_000, limit: 20 });
  const first = failed.steps[0];
  const journey = first && (await queries.get(first.correlationId));
  // #endregion
  return journey;
}

// #region print
/** One line per step, indented under the message that caused it. */
export function printJourney(journey: Journey): string[] {
  const lines: string[] = [];
  const visit = (node: JourneyNode, depth: number) => {
    for (const step of node.steps) {
      const failure = step.error ? ` ${step.error.name}: ${step.error.message}` : '';
      lines.push(
        `${'  '.repeat(depth)}${node.messageType} → ${step.handler} [${step.kind}, ${step.service}] ` +
          `${step.durationMs} ms ${step.outcome}${failure}`,
      );
    }
    for (const child of node.children) visit(child, depth + 1);
  };
  for (const root of journey.roots) visit(root, 0);
  return lines;
}
// #endregion
