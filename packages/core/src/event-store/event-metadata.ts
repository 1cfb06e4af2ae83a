/** The metadata every driver stores with an appended event, built the same way everywhere. */
import type { MessageMetadata } from '../messages/envelope.js';
import type { AppendMetadata, NewEvent } from './types.js';

/**
 * Metadata for one new event (tenant and schema version live in their own columns). An event
 * without a correlation id starts its own journey: its id is its correlation id.
 */
export function eventMetadata(
  id: string,
  event: NewEvent,
  metadata: AppendMetadata | undefined,
  timestamp: number,
): Omit<MessageMetadata, 'tenantId' | 'schemaVersion'> {
  return {
    correlationId: metadata?.correlationId ?? id,
    causationId: metadata?.causationId,
    principal: metadata?.principal,
    traceparent: metadata?.traceparent,
    tracestate: metadata?.tracestate,
    timestamp,
    headers: event.headers ?? metadata?.headers,
  };
}
