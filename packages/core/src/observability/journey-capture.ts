/**
 * Journey capture: every handled message's step (and every saga step) goes to the app's
 * journey recorder, when the message's journey is sampled. Sizes are measured only then.
 */
import type { JourneyRecorder } from './journeys/journey-recorder.js';
import type { NewJourneyStep } from './journeys/journey-step.js';
import type { HandledStep, StepSink } from './telemetry.js';

/** The length of a value as JSON, or undefined for nothing (a command without a result). */
function jsonLength(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  try {
    return JSON.stringify(value)?.length;
  } catch {
    return undefined; // a cycle, a BigInt: a diagnostic is not worth an error
  }
}

function errorOf(error: unknown): NonNullable<NewJourneyStep['error']> {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, ...(typeof code === 'string' && { code }) };
  }
  return { name: 'Error', message: String(error) };
}

export function journeyCapture(recorder: JourneyRecorder): StepSink {
  return {
    record(step: HandledStep): void {
      const envelope = step.envelope;
      // Refused before it had an envelope (no tenant, invalid input): no id to hang it on.
      if (envelope === undefined) return;
      const meta = envelope.metadata;
      if (!recorder.sampled(meta.correlationId)) return;
      const inputBytes = jsonLength(envelope.data);
      const outputBytes = step.ok ? jsonLength(step.result) : undefined;
      recorder.record({
        correlationId: meta.correlationId,
        messageId: envelope.id,
        ...(meta.causationId !== undefined && { causationId: meta.causationId }),
        messageType: step.messageType,
        kind: step.kind,
        handler: step.handler,
        ...(meta.tenantId !== undefined && { tenantId: meta.tenantId }),
        ...(step.traceId !== undefined && { traceId: step.traceId }),
        startedAt: step.startedAt,
        durationMs: step.durationMs,
        outcome: step.ok ? 'ok' : 'error',
        ...(!step.ok && { error: errorOf(step.error) }),
        ...(inputBytes !== undefined && { inputBytes }),
        ...(outputBytes !== undefined && { outputBytes }),
        ...(step.budget !== undefined && { budget: step.budget }),
        data: envelope.data,
      });
    },
  };
}
