/**
 * A recorded event as plain JSON and back, for dead letters: positions are bigints and dates
 * are objects, neither of which JSON keeps.
 */
import type { RecordedEvent } from '../event-store/types.js';
import type { MessageMetadata } from '../messages/envelope.js';

export interface RecordedEventJson {
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: MessageMetadata;
  readonly stream: string;
  readonly tenantId: string;
  readonly streamVersion: number;
  readonly commit: string;
  readonly position: string;
  readonly createdAt: string;
}

export function eventToJson(event: RecordedEvent): RecordedEventJson {
  return {
    id: event.id,
    type: event.type,
    data: event.data,
    metadata: event.metadata,
    stream: event.stream,
    tenantId: event.tenantId,
    streamVersion: event.streamVersion,
    commit: String(event.logPosition.commit),
    position: String(event.logPosition.position),
    createdAt: event.createdAt.toISOString(),
  };
}

export function eventFromJson(json: RecordedEventJson): RecordedEvent {
  return {
    id: json.id,
    type: json.type,
    data: json.data,
    metadata: json.metadata,
    stream: json.stream,
    tenantId: json.tenantId,
    streamVersion: json.streamVersion,
    logPosition: { commit: BigInt(json.commit), position: BigInt(json.position) },
    createdAt: new Date(json.createdAt),
  };
}
