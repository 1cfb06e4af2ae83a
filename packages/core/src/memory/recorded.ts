/** Turns a stored event into the `RecordedEvent` callers see: fresh objects, upcast data. */
import type { RecordedEvent } from '../event-store/types.js';
import type { EventCodec } from '../event-store/event-codec.js';
import type { MessageMetadata } from '../messages/envelope.js';
import type { StoredEvent } from './state.js';

export function toRecorded(stored: StoredEvent, codec: EventCodec): RecordedEvent {
  const metadata = JSON.parse(stored.metadataJson) as MessageMetadata;
  const { data, schemaVersion } = codec.upcast(
    stored.type,
    metadata.schemaVersion ?? 1,
    JSON.parse(stored.dataJson),
  );
  return {
    id: stored.id,
    type: stored.type,
    data,
    metadata: { ...metadata, schemaVersion },
    stream: stored.stream,
    tenantId: stored.tenantId,
    streamVersion: stored.streamVersion,
    logPosition: { commit: stored.position, position: stored.position },
    createdAt: new Date(stored.createdAt),
  };
}
