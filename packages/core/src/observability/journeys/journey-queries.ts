/**
 * Reading journeys back: steps by correlation id, message type, outcome, tenant and time, newest
 * first and keyset paged; and one journey as a tree across every service that recorded it.
 */
import { ValidationError, type ValidationIssue } from '../../errors/catalog.js';
import type { DocumentFilter, FieldCondition } from '../../store/document-query.js';
import type { DocumentStore, Store } from '../../store/ports.js';
import {
  journeyCollection,
  journeyStepOf,
  type Journey,
  type JourneyOutcome,
  type JourneyStep,
} from './journey-step.js';
import { buildJourney } from './journey-tree.js';

/** Steps read per round trip when a whole journey is read. */
const PAGE = 1_000;
const MAX_FIND = 1_000;
const DEFAULT_MAX_STEPS = 10_000;
const MAX_STEPS = 100_000;

export interface JourneyFindOptions {
  readonly correlationId?: string;
  readonly messageType?: string;
  readonly outcome?: JourneyOutcome;
  /** Only steps recorded for this tenant (default: every tenant's). */
  readonly tenantId?: string;
  /** Steps that started at or after this time. */
  readonly from?: Date | number;
  /** Steps that started before this time. */
  readonly to?: Date | number;
  /** At most this many steps (default 100, at most 1000). */
  readonly limit?: number;
  /** The `next` of the previous page, with the same filters. */
  readonly after?: string;
}

export interface JourneyStepPage {
  /** Newest first (ties by step id). */
  readonly steps: JourneyStep[];
  /** Pass as `after` for the next page; absent on the last page. */
  readonly next?: string;
}

export interface JourneyGetOptions {
  /** Only the steps recorded for this tenant. */
  readonly tenantId?: string;
  /** The most steps read into the tree (default 10,000, at most 100,000): the earliest ones. */
  readonly maxSteps?: number;
}

const SUBJECT = 'journeys.find';

function text(value: unknown, field: string, issues: ValidationIssue[]): void {
  if (value !== undefined && (typeof value !== 'string' || value.length === 0))
    issues.push({ message: 'must be a non-empty string', path: [field] });
}

function millis(value: unknown, field: string, issues: ValidationIssue[]): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms === 'number' && Number.isFinite(ms)) return ms;
  issues.push({ message: 'must be a valid Date or ms since the epoch', path: [field] });
  return undefined;
}

function count(value: unknown, field: string, max: number, issues: ValidationIssue[]): void {
  if (
    value !== undefined &&
    (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > max)
  )
    issues.push({ message: `must be an integer from 1 to ${max}`, path: [field] });
}

function filterOf(options: JourneyFindOptions): DocumentFilter {
  const issues: ValidationIssue[] = [];
  text(options.correlationId, 'correlationId', issues);
  text(options.messageType, 'messageType', issues);
  text(options.tenantId, 'tenantId', issues);
  if (options.outcome !== undefined && options.outcome !== 'ok' && options.outcome !== 'error')
    issues.push({ message: "must be 'ok' or 'error'", path: ['outcome'] });
  const from = millis(options.from, 'from', issues);
  const to = millis(options.to, 'to', issues);
  count(options.limit, 'limit', MAX_FIND, issues);
  if (issues.length > 0) throw new ValidationError(issues, SUBJECT);
  // On the negated start, which the newest-first order reads: from ≤ startedAt < to.
  const startedAtDesc: FieldCondition = {
    ...(from !== undefined && { lte: -from }),
    ...(to !== undefined && { gt: -to }),
  };
  return {
    ...(options.correlationId !== undefined && { correlationId: options.correlationId }),
    ...(options.messageType !== undefined && { messageType: options.messageType }),
    ...(options.outcome !== undefined && { outcome: options.outcome }),
    ...(options.tenantId !== undefined && { tenantId: options.tenantId }),
    ...((from !== undefined || to !== undefined) && { startedAtDesc }),
  };
}

/**
 * Queries over recorded journeys, in any store the recorders write to. Steps of every tenant
 * live together; `tenantId` narrows a query to one.
 * @example
 * const journeys = new JourneyQueries(store);
 * const failed = await journeys.find({ outcome: 'error', from: Date.now() - 3_600_000 });
 * const journey = await journeys.get(failed.steps[0]!.correlationId);
 * // journey.roots[0]: the first message, its handlers' steps and the messages it caused
 */
export class JourneyQueries {
  readonly #documents: DocumentStore;

  constructor(store: Pick<Store, 'documents'>) {
    this.#documents = store.documents;
  }

  /** Steps matching every filter given, newest first, a page at a time. */
  async find(options: JourneyFindOptions = {}): Promise<JourneyStepPage> {
    const page = await this.#documents.find(journeyCollection, {
      where: filterOf(options),
      orderBy: ['startedAtDesc'],
      limit: options.limit ?? 100,
      ...(options.after !== undefined && { after: options.after }),
    });
    return {
      steps: page.documents.map((d) => journeyStepOf(d.data)),
      ...(page.next !== undefined && { next: page.next }),
    };
  }

  /**
   * One journey as a tree of messages, from every service's steps; undefined when no step of
   * it is stored. A journey longer than `maxSteps` comes back with its earliest steps and
   * `truncated: true`.
   */
  async get(correlationId: string, options: JourneyGetOptions = {}): Promise<Journey | undefined> {
    const issues: ValidationIssue[] = [];
    text(correlationId ?? '', 'correlationId', issues);
    text(options.tenantId, 'tenantId', issues);
    count(options.maxSteps, 'maxSteps', MAX_STEPS, issues);
    if (issues.length > 0) throw new ValidationError(issues, 'journeys.get');
    const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
    const where: DocumentFilter = {
      correlationId,
      ...(options.tenantId !== undefined && { tenantId: options.tenantId }),
    };
    const steps: JourneyStep[] = [];
    let after: string | undefined;
    do {
      const page = await this.#documents.find(journeyCollection, {
        where,
        orderBy: ['startedAt'],
        limit: Math.min(PAGE, maxSteps - steps.length),
        ...(after !== undefined && { after }),
      });
      for (const document of page.documents) steps.push(journeyStepOf(document.data));
      after = page.next;
    } while (after !== undefined && steps.length < maxSteps);
    return buildJourney(correlationId, steps, after !== undefined);
  }
}
