/** Turns a stored event into the `RecordedEvent` callers see: fresh objects, upcast data. */
import type { RecordedEvent } from '../event-store/types.js';
import type { EventCodec } from '../event-store/event-codec.js';
import { recordedMetadata } from '../event-store/event-metadata.js';
import type { StoredEvent } from './state.js';

export function toRecorded(stored: StoredEvent, codec: EventCodec): RecordedEvent {
  const { data, schemaVersion } = codec.upcast(
    stored.type,
    stored.schemaVersion,
    JSON.parse(stored.dataJson),
  );
  return {
    id: stored.id,
    type: stored.type,
    data,
    metadata: recordedMetadata(
      JSON.parse(stored.metadataJson) as Record<string, unknown>,
      stored.id,
      stored.tenantId,
      schemaVersion,
      stored.createdAt.getTime(),
    ),
    stream: stored.stream,
    tenantId: stored.tenantId,
    streamVersion: stored.streamVersion,
    logPosition: { commit: stored.position, position: stored.position },
    createdAt: new Date(stored.createdAt),
  };
}
