/**
 * The span names and attributes Whizbang writes: a closed set, following the OpenTelemetry
 * semantic conventions (messaging, database, HTTP) where they have a name for the thing, and
 * `whizbang.*` for the rest.
 *
 * Span names: `command <Type>`, `query <Type>`, `event <Type>` (one per handler of an event),
 * `send <Type>` (a message that only leaves through the outbox), `append`, `project <projection>`,
 * `react <reactor>`, `publish <destination>` (the outbox relay), `process <destination>` (a
 * consumer), `saga <saga>`, and `<METHOD> <route>` at the HTTP edge. Types, projections, sagas,
 * destinations and routes are names the application declares, so the set stays small.
 */
import type { Attributes } from '@opentelemetry/api';

export const ATTR = {
  messageKind: 'whizbang.message.kind',
  messageType: 'whizbang.message.type',
  messageId: 'messaging.message.id',
  correlationId: 'messaging.message.conversation_id',
  causationId: 'whizbang.causation_id',
  tenantId: 'whizbang.tenant_id',
  handler: 'whizbang.handler',
  outcome: 'whizbang.outcome',
  stream: 'whizbang.stream',
  streams: 'whizbang.streams',
  eventCount: 'whizbang.event_count',
  projection: 'whizbang.projection',
  partition: 'whizbang.partition',
  saga: 'whizbang.saga',
  source: 'whizbang.source',
  messagingSystem: 'messaging.system',
  messagingOperationType: 'messaging.operation.type',
  messagingOperationName: 'messaging.operation.name',
  destination: 'messaging.destination.name',
  consumerGroup: 'messaging.consumer.group.name',
  batchCount: 'messaging.batch.message_count',
  dbSystem: 'db.system.name',
  dbOperation: 'db.operation.name',
  dbCollection: 'db.collection.name',
  errorType: 'error.type',
} as const;

/** The `error.type` of a failure: its code when it has one (Whizbang's errors do), else its name. */
export function errorAttributes(error: unknown): Attributes {
  const code = (error as { code?: unknown } | null)?.code;
  return {
    [ATTR.errorType]: typeof code === 'string' ? code : error instanceof Error ? error.name : typeof error,
  };
}

/** The `db.system.name` of a store driver. */
export function dbSystemOf(driver: string): string {
  if (driver === 'postgres') return 'postgresql';
  return driver;
}
