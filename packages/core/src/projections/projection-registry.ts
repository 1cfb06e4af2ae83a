/**
 * The registry of async projections: per projection, which generation serves reads, which is
 * being built beside it, and which retired ones are kept for a while. One small document per
 * projection, changed only by compare-and-set, so nodes never disagree for long and a switch
 * is one atomic write.
 */
import { isDocumentConflictError } from '../errors/catalog.js';
import { DEFAULT_TENANT } from '../event-store/types.js';
import type { StoreSession } from '../store/ports.js';
import { ScopedSession } from '../tenancy/scoped-session.js';
import type { Projection } from './define-projection.js';
import { firstGeneration, type Generation } from './generations.js';

/** The collection (in the default tenant) holding one registry document per projection. */
export const REGISTRY_COLLECTION = '$whizbang.projections';

export interface ValidationReport {
  readonly generation: Generation;
  readonly at: string;
  /** Documents compared with a fresh fold of the log. */
  readonly sampled: number;
  readonly matched: number;
  /** matched / sampled (1 when nothing was sampled). */
  readonly accuracy: number;
  /** Up to ten ids (tenant/id) that differed. */
  readonly mismatches: readonly string[];
}

export interface RegistryEntry {
  /** The generation reads are served from. */
  readonly active: Generation;
  /** A generation being built beside the active one, switched to once caught up and checked. */
  readonly building?: Generation & { readonly startedAt: string };
  /** Former generations, kept until `until` (ISO time), then deleted. */
  readonly retired: readonly (Generation & { readonly until: string })[];
  /** The last check of a building generation. */
  readonly lastValidation?: ValidationReport;
}

const at = { tenantId: DEFAULT_TENANT };

/**
 * The registry is the framework's own record (which generation serves), kept in the default
 * tenant and naming no tenant's data: a handler's tenant-scoped store reads it through the
 * session underneath, so `readModel(ctx.store, projection)` works for every tenant.
 */
const registrySession = (session: StoreSession): StoreSession =>
  session instanceof ScopedSession ? session.unscoped : session;

export async function readRegistry(session: StoreSession, name: string): Promise<RegistryEntry | undefined> {
  return (await registrySession(session).documents.get<RegistryEntry>(REGISTRY_COLLECTION, name, at))?.data;
}

/**
 * Changes a projection's entry by compare-and-set, retrying on a concurrent change with the
 * fresh entry; `change` returns `undefined` to leave it as it is. Returns the stored entry.
 */
export async function updateRegistry(
  session: StoreSession,
  name: string,
  change: (entry: RegistryEntry | undefined) => RegistryEntry | undefined,
): Promise<RegistryEntry | undefined> {
  for (let attempt = 1; ; attempt++) {
    const stored = await session.documents.get<RegistryEntry>(REGISTRY_COLLECTION, name, at);
    const next = change(stored?.data);
    if (next === undefined) return stored?.data;
    try {
      await session.documents.put(REGISTRY_COLLECTION, name, next, {
        ...at,
        expectedVersion: stored?.version ?? 'none',
      });
      return next;
    } catch (error) {
      if (!isDocumentConflictError(error) || attempt >= 10) throw error;
    }
  }
}

/** The generation that serves reads of a projection: from the registry, or its first one. */
export async function activeGeneration(session: StoreSession, projection: Projection): Promise<Generation> {
  if (projection.lifecycle !== 'async') return firstGeneration(projection);
  return (await readRegistry(session, projection.name))?.active ?? firstGeneration(projection);
}

export const sameGeneration = (a: Generation | undefined, b: Generation | undefined): boolean =>
  a !== undefined && b !== undefined && a.version === b.version && a.generation === b.generation;
