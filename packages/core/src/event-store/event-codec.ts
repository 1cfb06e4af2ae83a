/**
 * What a store does to events on the way in and out, the same in every driver: on append,
 * structural checks, schema validation (re-serialising data a schema transformed) and the
 * schema version stamp; on read, upcasting.
 */
import type { StoreOptions } from '../store/ports.js';
import { checkAppend, checkMultiAppend, DEFAULT_MAX_EVENT_SIZE, type CheckedEvent } from './append-input.js';
import { EventTypeRegistry } from './event-types.js';
import type { ExpectedVersion, NewEvent, StreamAppend } from './types.js';
import { UpcasterChain } from './upcasters.js';

export class EventCodec {
  readonly maxEventSize: number;
  readonly #registry: EventTypeRegistry;
  readonly #upcasters: UpcasterChain;

  constructor(options: StoreOptions = {}) {
    this.#registry = new EventTypeRegistry(options.eventTypes);
    this.#upcasters = new UpcasterChain(options.upcasters);
    this.maxEventSize = options.maxEventSize ?? DEFAULT_MAX_EVENT_SIZE;
  }

  /** Checks and serialises one stream's append; throws one `ValidationError` listing every issue. */
  async prepareAppend(
    stream: string,
    events: readonly NewEvent[],
    expectedVersion: ExpectedVersion | undefined,
  ): Promise<CheckedEvent[]> {
    return this.#validate(
      checkAppend(stream, events, expectedVersion, this.maxEventSize),
      events,
      'appendToStream',
    );
  }

  /** The same for an atomic multi-stream append, and no stream twice. */
  async prepareMultiAppend(appends: readonly StreamAppend[]): Promise<CheckedEvent[][]> {
    const structural = checkMultiAppend(appends, this.maxEventSize);
    return Promise.all(
      appends.map((part, i) => this.#validate(structural[i]!, part.events, 'appendToStreams')),
    );
  }

  async #validate(
    checked: CheckedEvent[],
    events: readonly NewEvent[],
    subject: string,
  ): Promise<CheckedEvent[]> {
    const parsed = await this.#registry.validate(events, subject);
    return parsed === events ? checked : checkAppend('stream', parsed, undefined, this.maxEventSize);
  }

  /** The schema version to store an event at. */
  schemaVersionOf(event: NewEvent): number {
    return this.#registry.schemaVersionOf(event);
  }

  /** Lifts stored data to the current schema version. */
  upcast(type: string, schemaVersion: number, data: unknown): { data: unknown; schemaVersion: number } {
    return this.#upcasters.isEmpty
      ? { data, schemaVersion }
      : this.#upcasters.upcast(type, schemaVersion, data);
  }
}
