/**
 * The event store as a handler for one tenant sees it: streams of that tenant only, and the
 * global log filtered to that tenant.
 */
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  LogPosition,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  StreamInfo,
  StreamOptions,
  StreamSlice,
  SubscribeOptions,
} from '../event-store/types.js';
import type { Message } from '../messages/define.js';
import { withTenant } from './tenant-scope.js';

/** The append's tenant, also checked against the one its metadata claims. */
function appendScope<O extends Omit<AppendOptions, 'expectedVersion'>>(
  tenantId: string,
  options: O | undefined,
  operation: string,
): O & { readonly tenantId: string } {
  const metadataTenant = options?.metadata?.tenantId;
  if (metadataTenant !== undefined) withTenant(tenantId, { tenantId: metadataTenant }, operation);
  return withTenant(tenantId, options, operation);
}

/** Reads of the whole log: only this tenant's events. */
function logScope<O extends ReadAllOptions>(tenantId: string, options: O | undefined, operation: string): O {
  return { ...(options as O), filter: withTenant(tenantId, options?.filter, operation) };
}

export class ScopedEventStore implements EventStore {
  constructor(
    readonly inner: EventStore,
    readonly tenantId: string,
  ) {}

  async appendToStream(
    stream: string,
    events: readonly NewEvent[],
    options?: AppendOptions,
  ): Promise<AppendResult> {
    return this.inner.appendToStream(
      stream,
      events,
      appendScope(this.tenantId, options, 'events.appendToStream'),
    );
  }
  async appendToStreams(
    appends: readonly StreamAppend[],
    options?: Omit<AppendOptions, 'expectedVersion'>,
  ): Promise<AppendResult[]> {
    return this.inner.appendToStreams(appends, appendScope(this.tenantId, options, 'events.appendToStreams'));
  }
  lockStreams(streams: readonly string[], options?: { readonly tenantId?: string }): Promise<void> {
    return this.inner.lockStreams(streams, withTenant(this.tenantId, options, 'events.lockStreams'));
  }
  async readStream<E extends Message = Message>(
    stream: string,
    options?: ReadStreamOptions,
  ): Promise<StreamSlice<E>> {
    return this.inner.readStream<E>(stream, withTenant(this.tenantId, options, 'events.readStream'));
  }
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent> {
    return this.inner.readAll(logScope(this.tenantId, options, 'events.readAll'));
  }
  subscribe(options?: SubscribeOptions): AsyncIterable<RecordedEvent> {
    return this.inner.subscribe(logScope(this.tenantId, options, 'events.subscribe'));
  }
  /** A position says nothing about any tenant's data: allowed. */
  readHeadPosition(options?: { readonly committed?: boolean }): Promise<LogPosition> {
    return this.inner.readHeadPosition(options);
  }
  /** A wake-up carries no data: allowed. */
  nextAppend(): { readonly promise: Promise<void>; cancel(): void } {
    return this.inner.nextAppend();
  }
  async getStreamInfo(stream: string, options?: { readonly tenantId?: string }): Promise<StreamInfo> {
    return this.inner.getStreamInfo(stream, withTenant(this.tenantId, options, 'events.getStreamInfo'));
  }
  async setStreamMetadata(
    stream: string,
    metadata: Readonly<Record<string, unknown>>,
    options?: StreamOptions,
  ): Promise<void> {
    return this.inner.setStreamMetadata(
      stream,
      metadata,
      withTenant(this.tenantId, options, 'events.setStreamMetadata'),
    );
  }
  async deleteStream(stream: string, options?: StreamOptions): Promise<void> {
    return this.inner.deleteStream(stream, withTenant(this.tenantId, options, 'events.deleteStream'));
  }
  async archiveStream(stream: string, options?: StreamOptions): Promise<void> {
    return this.inner.archiveStream(stream, withTenant(this.tenantId, options, 'events.archiveStream'));
  }
}
