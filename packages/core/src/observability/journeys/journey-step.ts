/**
 * What a message journey is made of: one step per handler run (or publish, or consume) of a
 * message, stored as a document, and the tree a journey's steps form once read back.
 */
import { defineCollection } from '../../store/document-query.js';

/** What ran in a step. */
export type JourneyStepKind =
  'command' | 'query' | 'event' | 'projection' | 'reactor' | 'saga' | 'publish' | 'consume';

export type JourneyOutcome = 'ok' | 'error';

/** One handler's run of one message, as recorded. */
export interface JourneyStep {
  /**
   * Unique per step and deterministic (`${messageId}:${handler}` by default), so the step of a
   * redelivered message overwrites the earlier one instead of adding a second.
   */
  readonly id: string;
  readonly correlationId: string;
  readonly messageId: string;
  /** The message that caused this one; it is this step's parent in the journey's tree. */
  readonly causationId?: string;
  readonly messageType: string;
  readonly kind: JourneyStepKind;
  /** The handler's, projection's, reactor's or saga's name. */
  readonly handler: string;
  /** The messaging service that ran the step, when there is one. */
  readonly service?: string;
  /** The process that ran the step: `host:pid`, or a configured node id. */
  readonly node: string;
  /** The tenant the message ran for, when there was one. */
  readonly tenantId?: string;
  readonly traceId?: string;
  /** When the step started, in ms since the epoch. */
  readonly startedAt: number;
  readonly durationMs: number;
  readonly outcome: JourneyOutcome;
  /** Why the step failed; the message is kept (up to 4096 characters), never masked. */
  readonly error?: { readonly name: string; readonly message: string; readonly code?: string };
  readonly inputBytes?: number;
  readonly outputBytes?: number;
  /** The handler's performance budget, and whether this run went over it. */
  readonly budget?: { readonly maxLatencyMs: number; readonly exceeded: boolean };
  /** The message's data, masked; recorded only when the recorder's `captureData` is on. */
  readonly data?: unknown;
}

/** A step as handed to `JourneyRecorder.record`: the id and node have defaults. */
export type NewJourneyStep = Omit<JourneyStep, 'id' | 'node'> & {
  /** Default `${messageId}:${handler}`. */
  readonly id?: string;
  /** Default the recorder's node. */
  readonly node?: string;
};

/** One message of a journey: its steps, and the messages it caused. */
export interface JourneyNode {
  readonly messageId: string;
  readonly messageType: string;
  /**
   * The kind of the message's first command, query or event step; else `'event'` when a
   * projection or reactor applied it; else its first step's kind (a message seen only being
   * published, consumed or handled by a saga).
   */
  readonly kind: JourneyStepKind;
  readonly causationId?: string;
  /** The service of the step `kind` was read from. */
  readonly service?: string;
  /** The message's steps, by start time. */
  readonly steps: JourneyStep[];
  /** The messages whose causation id is this message, by their first step's start. */
  readonly children: JourneyNode[];
}

/** The steps of one correlation id, as a tree of messages across every service that recorded them. */
export interface Journey {
  readonly correlationId: string;
  /** The first step's start, in ms since the epoch. */
  readonly startedAt: number;
  /** From the first step's start to the last step's end. */
  readonly durationMs: number;
  /** `'error'` when any step failed. */
  readonly outcome: JourneyOutcome;
  /** The steps read into the tree. */
  readonly stepCount: number;
  /** True when the journey had more steps than were read: the tree holds its earliest ones. */
  readonly truncated: boolean;
  /**
   * Messages whose cause is not in the journey: the first message, and any whose cause was not
   * recorded (sampled out elsewhere, purged, or recorded with no cause).
   */
  readonly roots: JourneyNode[];
}

/**
 * A step as stored: with its start time negated too. Newest-first queries sort on that field
 * ascending, which an ascending index serves; PostgreSQL cannot serve the documents port's
 * descending sort (`DESC NULLS LAST`) from one, and would sort every step of the collection.
 */
export type StoredJourneyStep = JourneyStep & { readonly startedAtDesc: number };

/**
 * The document collection journeys are stored in, in the default tenant (each step carries its
 * own `tenantId`), with the indexes its queries use.
 */
export const journeyCollection = defineCollection<StoredJourneyStep>('whizbang.journeys', {
  fields: {
    correlationId: 'string',
    messageType: 'string',
    outcome: 'string',
    startedAt: 'number',
    startedAtDesc: 'number',
  },
  indexes: [
    ['correlationId', 'startedAt'],
    ['messageType', 'startedAtDesc'],
    ['outcome', 'startedAtDesc'],
    ['startedAtDesc'],
  ],
});

/** The step of a stored document, without the field only queries use. */
export function journeyStepOf(stored: StoredJourneyStep): JourneyStep {
  const { startedAtDesc: _, ...step } = stored;
  return step;
}
