/**
 * The event types a store knows: their schema versions (stamped on append) and schemas
 * (validated on append, so invalid events are never written).
 */
import { ValidationError, type ValidationIssue } from '../errors/catalog.js';
import type { EventDefinition } from '../messages/define.js';
import { validateWith } from '../messages/validate.js';
import type { NewEvent } from './types.js';

export class EventTypeRegistry {
  readonly #definitions = new Map<string, EventDefinition>();

  constructor(definitions: readonly EventDefinition[] = []) {
    for (const d of definitions) {
      const existing = this.#definitions.get(d.type);
      if (existing && existing !== d) throw new TypeError(`Event type '${d.type}' is defined twice`);
      this.#definitions.set(d.type, d);
    }
  }

  /** The schema version to store `event` at: its own if given, else its type's current one (1 if unregistered). */
  schemaVersionOf(event: NewEvent): number {
    return event.schemaVersion ?? this.#definitions.get(event.type)?.schemaVersion ?? 1;
  }

  /**
   * Validates every event that has a registered schema; returns the events with their parsed
   * data. Throws one `ValidationError` listing every issue of every event.
   */
  async validate(events: readonly NewEvent[], subject: string): Promise<readonly NewEvent[]> {
    if (this.#definitions.size === 0) return events;
    const issues: ValidationIssue[] = [];
    const parsed = await Promise.all(
      events.map(async (event, index) => {
        const definition = this.#definitions.get(event.type);
        const schema = definition?.schema;
        // An event written at an older version is checked by nobody's current schema.
        if (
          !schema ||
          (event.schemaVersion !== undefined && event.schemaVersion !== definition.schemaVersion)
        )
          return event;
        try {
          const data = await validateWith(schema, event.data, event.type);
          return data === event.data ? event : { ...event, data };
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          for (const issue of error.issues)
            issues.push({ ...issue, path: [index, event.type, ...(issue.path ?? [])] });
          return event;
        }
      }),
    );
    if (issues.length > 0) throw new ValidationError(issues, subject);
    return parsed;
  }
}
