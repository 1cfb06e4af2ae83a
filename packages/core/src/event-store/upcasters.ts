/**
 * Upcasting: events are stored with the schema version they were written in and lifted to
 * the current version on read, one step at a time (v1 → v2 → v3), so old events never need
 * rewriting.
 */
import type { EventDefinition } from '../messages/define.js';

/** Lifts one event type's data from `fromVersion` to `fromVersion + 1`. */
export interface Upcaster {
  readonly type: string;
  readonly fromVersion: number;
  readonly upcast: (data: any, event: { readonly type: string; readonly schemaVersion: number }) => unknown;
}

/**
 * Declares an upcaster for an event type.
 * @example
 * const v1to2 = defineUpcaster(OrderPlaced, 1, (data: { total: number }) => ({ ...data, currency: 'EUR' }));
 * const store = memoryStore({ upcasters: [v1to2] });
 */
export function defineUpcaster<In, Out>(
  definition: EventDefinition | string,
  fromVersion: number,
  upcast: (data: In) => Out,
): Upcaster {
  const type = typeof definition === 'string' ? definition : definition.type;
  if (!Number.isInteger(fromVersion) || fromVersion < 1)
    throw new TypeError(`fromVersion for '${type}' must be a positive integer`);
  return Object.freeze({ type, fromVersion, upcast: upcast as Upcaster['upcast'] });
}

/** Upcasters indexed by type and version; built once per store. */
export class UpcasterChain {
  readonly #steps = new Map<string, Map<number, Upcaster['upcast']>>();

  constructor(upcasters: readonly Upcaster[] = []) {
    for (const u of upcasters) {
      let byVersion = this.#steps.get(u.type);
      if (!byVersion) this.#steps.set(u.type, (byVersion = new Map()));
      if (byVersion.has(u.fromVersion))
        throw new TypeError(`Two upcasters for '${u.type}' from version ${u.fromVersion}`);
      byVersion.set(u.fromVersion, u.upcast);
    }
  }

  /** True when no upcaster is registered, so readers can skip the work. */
  get isEmpty(): boolean {
    return this.#steps.size === 0;
  }

  /** Applies every step from `schemaVersion` upward; returns the data and the version reached. */
  upcast(type: string, schemaVersion: number, data: unknown): { data: unknown; schemaVersion: number } {
    const byVersion = this.#steps.get(type);
    if (!byVersion) return { data, schemaVersion };
    let version = schemaVersion;
    let current = data;
    for (let step = byVersion.get(version); step; step = byVersion.get(version)) {
      current = step(current, { type, schemaVersion: version });
      version += 1;
    }
    return { data: current, schemaVersion: version };
  }
}
