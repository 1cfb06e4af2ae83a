/** Turns a stored event into the `RecordedEvent` callers see: fresh objects, upcast data. */
import type { RecordedEvent } from '../event-store/types.js';
import type { UpcasterChain } from '../event-store/upcasters.js';
import type { MessageMetadata } from '../messages/envelope.js';
import type { StoredEvent } from './state.js';

export function toRecorded(stored: StoredEvent, upcasters: UpcasterChain): RecordedEvent {
  const metadata = JSON.parse(stored.metadataJson) as MessageMetadata;
  let data: unknown = JSON.parse(stored.dataJson);
  let schemaVersion = metadata.schemaVersion ?? 1;
  if (!upcasters.isEmpty) ({ data, schemaVersion } = upcasters.upcast(stored.type, schemaVersion, data));
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
