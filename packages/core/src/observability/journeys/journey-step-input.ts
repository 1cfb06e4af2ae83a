/**
 * Checks a recorded step and brings it into the stored shape: only known fields, and an id the
 * documents port accepts; and reduces captured data to bounded JSON text. A step that passes
 * here is never what makes a batch write fail.
 */
import type { ValidationIssue } from '../../errors/catalog.js';
import type { Redactor } from '../redact.js';
import type { JourneyStep, JourneyStepKind, NewJourneyStep } from './journey-step.js';
import { shortHash } from './sampling.js';

const KINDS = new Set<JourneyStepKind>([
  'command',
  'query',
  'event',
  'projection',
  'reactor',
  'saga',
  'publish',
  'consume',
]);
/** The documents port's longest id. */
const MAX_ID = 250;

/** The longest error message kept, in characters. */
const MAX_MESSAGE = 4_096;

/** What the recorder fills in when a step leaves it out. */
export interface StepDefaults {
  readonly node: string;
  readonly service: string | undefined;
}

const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0;

/** An id the documents port takes: long ones keep their start and gain a digest of the whole. */
export function documentId(id: string): string {
  return id.length <= MAX_ID ? id : `${id.slice(0, MAX_ID - 9)}~${shortHash(id)}`;
}

// Bigints would make the whole batch fail the port's JSON check; everything else JSON drops or
// turns into null is acceptable for a diagnostic copy.
function lenient(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/**
 * The masked data as JSON text, or a marker when it is too large or cannot be serialised.
 * Serialising at once also takes a copy, so later changes to the data do not leak in.
 */
export function capturedData(data: unknown, redact: Redactor, maxChars: number): string | undefined {
  let text: string | undefined;
  try {
    text = JSON.stringify(redact(data), lenient);
  } catch (error) {
    return JSON.stringify(`[Unserialisable: ${error instanceof Error ? error.message : String(error)}]`);
  }
  if (text === undefined) return undefined;
  return text.length <= maxChars ? text : JSON.stringify(`[Truncated: ${text.length} characters of JSON]`);
}

function optionalText(
  input: Record<string, unknown>,
  field: string,
  out: Record<string, unknown>,
  issues: ValidationIssue[],
): void {
  const value = input[field];
  if (value === undefined) return;
  if (isText(value)) out[field] = value;
  else issues.push({ message: 'must be a non-empty string when given', path: [field] });
}

/** The step as stored (without data), or the problems that keep it from being stored. */
export function storedStep(
  input: NewJourneyStep,
  defaults: StepDefaults,
): { step: JourneyStep } | { issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const raw = (input ?? {}) as unknown as Record<string, unknown>;
  for (const field of ['correlationId', 'messageId', 'messageType', 'handler'] as const) {
    if (!isText(raw[field])) issues.push({ message: 'must be a non-empty string', path: [field] });
  }
  if (!KINDS.has(raw.kind as JourneyStepKind))
    issues.push({ message: `must be one of ${[...KINDS].join(', ')}`, path: ['kind'] });
  if (raw.outcome !== 'ok' && raw.outcome !== 'error')
    issues.push({ message: "must be 'ok' or 'error'", path: ['outcome'] });
  if (typeof raw.startedAt !== 'number' || !Number.isFinite(raw.startedAt))
    issues.push({ message: 'must be a finite number (ms since the epoch)', path: ['startedAt'] });
  if (!isCount(raw.durationMs))
    issues.push({ message: 'must be a finite number of at least 0', path: ['durationMs'] });
  if (raw.id !== undefined && !isText(raw.id))
    issues.push({ message: 'must be a non-empty string when given', path: ['id'] });
  if (raw.node !== undefined && !isText(raw.node))
    issues.push({ message: 'must be a non-empty string when given', path: ['node'] });

  const step: Record<string, unknown> = {
    id: documentId((raw.id as string | undefined) ?? `${raw.messageId as string}:${raw.handler as string}`),
    correlationId: raw.correlationId,
    messageId: raw.messageId,
    messageType: raw.messageType,
    kind: raw.kind,
    handler: raw.handler,
    node: raw.node ?? defaults.node,
    startedAt: raw.startedAt,
    durationMs: raw.durationMs,
    outcome: raw.outcome,
  };
  for (const field of ['causationId', 'service', 'tenantId', 'traceId'])
    optionalText(raw, field, step, issues);
  if (step.service === undefined && defaults.service !== undefined) step.service = defaults.service;
  for (const field of ['inputBytes', 'outputBytes'] as const) {
    if (raw[field] === undefined) continue;
    if (isCount(raw[field])) step[field] = raw[field];
    else issues.push({ message: 'must be a finite number of at least 0 when given', path: [field] });
  }
  const { error, budget } = raw as Pick<NewJourneyStep, 'error' | 'budget'>;
  if (error !== undefined) {
    if (typeof error?.name !== 'string' || typeof error.message !== 'string' || !optional(error.code))
      issues.push({ message: 'must be { name, message, code? } of strings', path: ['error'] });
    else
      step.error = {
        name: error.name,
        message: bounded(error.message),
        ...(error.code !== undefined && { code: error.code }),
      };
  }
  if (budget !== undefined) {
    if (!isCount(budget?.maxLatencyMs) || typeof budget.exceeded !== 'boolean')
      issues.push({ message: 'must be { maxLatencyMs: number, exceeded: boolean }', path: ['budget'] });
    else step.budget = { maxLatencyMs: budget.maxLatencyMs, exceeded: budget.exceeded };
  }
  if (issues.length > 0) return { issues };
  return { step: step as unknown as JourneyStep };
}

function bounded(message: string): string {
  return message.length <= MAX_MESSAGE ? message : `${message.slice(0, MAX_MESSAGE - 1)}…`;
}

function optional(code: unknown): boolean {
  return code === undefined || typeof code === 'string';
}
