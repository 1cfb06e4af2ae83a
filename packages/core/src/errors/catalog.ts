/**
 * The error catalog: every error Whizbang raises, with its stable code and the fields a
 * caller needs to act. The HTTP edge maps codes to statuses; nothing here knows about HTTP.
 */
import type { ExpectedVersion } from '../event-store/types.js';
import type { MessageKind } from '../messages/define.js';
import { errorGuard, WhizbangError } from './whizbang-error.js';

/** One problem found while validating input. `path` locates it inside the payload. */
export interface ValidationIssue {
  readonly message: string;
  readonly path?: readonly (string | number)[];
}

/** An append's expected version did not match the stream. Nothing was written. */
export class ConcurrencyError extends WhizbangError {
  readonly code = 'WHIZBANG_CONCURRENCY' as const;
  constructor(
    readonly stream: string,
    readonly expected: ExpectedVersion,
    /** The stream's real current version (0 when it does not exist). */
    readonly actual: number,
    readonly tenantId?: string,
    /** `reason`: why it conflicts, when the versions alone do not say (they may agree). */
    options?: { cause?: unknown; reason?: string },
  ) {
    super(
      `Stream '${stream}' is at version ${actual}, expected ${typeof expected === 'number' ? expected : `'${expected}'`}${options?.reason !== undefined ? `: ${options.reason}` : ''}`,
      options,
    );
  }
}

/** Input failed validation (a message schema, an append, an option). Nothing was written. */
export class ValidationError extends WhizbangError {
  readonly code = 'WHIZBANG_VALIDATION' as const;
  constructor(
    readonly issues: readonly ValidationIssue[],
    /** What was being validated: a message type, `appendToStream`, an option name. */
    readonly subject: string,
  ) {
    super(
      `Invalid ${subject}: ${issues.map((i) => (i.path?.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ')}`,
    );
  }
}

/** The stream was deleted (tombstoned); it can be neither read nor appended to. */
export class StreamDeletedError extends WhizbangError {
  readonly code = 'WHIZBANG_STREAM_DELETED' as const;
  constructor(
    readonly stream: string,
    readonly tenantId?: string,
  ) {
    super(`Stream '${stream}' has been deleted`);
  }
}

/** The stream does not exist, for an operation that needs it to. */
export class StreamNotFoundError extends WhizbangError {
  readonly code = 'WHIZBANG_STREAM_NOT_FOUND' as const;
  constructor(
    readonly stream: string,
    readonly tenantId?: string,
  ) {
    super(`Stream '${stream}' does not exist`);
  }
}

/** The stream was archived; it can be read but not appended to. */
export class StreamArchivedError extends WhizbangError {
  readonly code = 'WHIZBANG_STREAM_ARCHIVED' as const;
  constructor(
    readonly stream: string,
    readonly tenantId?: string,
  ) {
    super(`Stream '${stream}' is archived and read-only`);
  }
}

/** No handler is registered for a command or query type. */
export class HandlerNotFoundError extends WhizbangError {
  readonly code = 'WHIZBANG_HANDLER_NOT_FOUND' as const;
  constructor(
    readonly messageType: string,
    readonly kind: 'command' | 'query',
  ) {
    super(`No handler registered for ${kind} '${messageType}'`);
  }
}

/** A command or query type was given a second handler, or a type name was reused for another kind. */
export class DuplicateHandlerError extends WhizbangError {
  readonly code = 'WHIZBANG_DUPLICATE_HANDLER' as const;
  constructor(
    readonly messageType: string,
    readonly kind: 'command' | 'query' | 'event',
    reason?: string,
  ) {
    super(reason ?? `A ${kind} has exactly one handler, and '${messageType}' already has one`);
  }
}

/** One or more event handlers failed during `publish`. The others still ran. */
export class PublishError extends WhizbangError {
  readonly code = 'WHIZBANG_PUBLISH_FAILED' as const;
  constructor(
    readonly messageType: string,
    readonly failures: readonly { readonly handler: string; readonly error: unknown }[],
  ) {
    super(
      `${failures.length} handler(s) of event '${messageType}' failed: ${failures.map((f) => `${f.handler}: ${f.error instanceof Error ? f.error.message : String(f.error)}`).join('; ')}`,
      { cause: failures[0]?.error },
    );
  }
}

/** A middleware called `next()` more than once. */
export class MiddlewareError extends WhizbangError {
  readonly code = 'WHIZBANG_MIDDLEWARE' as const;
}

/** The store or app was used after `close()`/`stop()`, or before it was ready. */
export class StateError extends WhizbangError {
  readonly code = 'WHIZBANG_STATE' as const;
}

/** Checkpoint compare-and-set lost: someone else moved the checkpoint. */
export class CheckpointConflictError extends WhizbangError {
  readonly code = 'WHIZBANG_CHECKPOINT_CONFLICT' as const;
  constructor(
    readonly checkpoint: string,
    readonly expected: unknown,
    readonly actual: unknown,
  ) {
    super(`Checkpoint '${checkpoint}' was moved by someone else`);
  }
}

/** A write fenced by a lease was refused: the lease changed hands (or was released) since it was taken. */
export class LeaseLostError extends WhizbangError {
  readonly code = 'WHIZBANG_LEASE_LOST' as const;
  constructor(
    readonly lease: string,
    readonly owner: string,
    readonly epoch: number,
  ) {
    super(`Lease '${lease}' is no longer held by '${owner}' at epoch ${epoch}`);
  }
}

/** A projection's handler failed on an event (after its retries). */
export class ProjectionFailedError extends WhizbangError {
  readonly code = 'WHIZBANG_PROJECTION_FAILED' as const;
  constructor(
    readonly projection: string,
    readonly eventId: string,
    readonly eventType: string,
    readonly stream: string,
    readonly tenantId: string,
    cause: unknown,
  ) {
    super(
      `Projection '${projection}' failed on ${eventType} ${eventId} of stream '${stream}': ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/** Why `rebuildTenant` refused to start. */
export type TenantRebuildRefusal = 'not-async' | 'rebuilding' | 'not-serving';

/**
 * `rebuildTenant` refused: the projection is not async (nothing is stored to rebuild), a
 * rebuild of the whole projection is in progress (it rebuilds this tenant too), or the
 * generation serving reads was built by other code (another version or partition count).
 * Nothing was changed.
 */
export class TenantRebuildRefusedError extends WhizbangError {
  readonly code = 'WHIZBANG_TENANT_REBUILD_REFUSED' as const;
  constructor(
    readonly projection: string,
    readonly tenantId: string,
    readonly reason: TenantRebuildRefusal,
    detail: string,
  ) {
    super(`Cannot rebuild tenant '${tenantId}' of projection '${projection}': ${detail}`);
  }
}

/** A document write's expected version did not match. */
export class DocumentConflictError extends WhizbangError {
  readonly code = 'WHIZBANG_DOCUMENT_CONFLICT' as const;
  constructor(
    readonly collection: string,
    readonly id: string,
    readonly expected: number | 'none',
    readonly actual: number,
    readonly tenantId?: string,
  ) {
    super(
      `Document '${collection}/${id}'${tenantId === undefined ? '' : ` of tenant '${tenantId}'`} is at version ${actual}, expected ${expected}`,
    );
  }
}

/** A document to change does not exist. */
export class DocumentNotFoundError extends WhizbangError {
  readonly code = 'WHIZBANG_DOCUMENT_NOT_FOUND' as const;
  constructor(
    readonly collection: string,
    readonly id: string,
    readonly tenantId: string,
  ) {
    super(`Document '${collection}/${id}' does not exist in tenant '${tenantId}'`);
  }
}

/**
 * The broker could not be reached, or did not confirm in time. Nothing is known to have
 * happened: try again, and publish the same message ids again (inboxes, and brokers that
 * de-duplicate, make the repeat harmless). The outbox relay does this by itself.
 */
export class TransportUnavailableError extends WhizbangError {
  readonly code = 'WHIZBANG_TRANSPORT_UNAVAILABLE' as const;
  constructor(
    /** `rabbitmq`, `nats`, `redis`… */
    readonly transport: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A message was dispatched without a tenant where the app requires one
 * (`whizbang({ tenancy: { required } })`). Nothing was written.
 */
export class TenantRequiredError extends WhizbangError {
  readonly code = 'WHIZBANG_TENANT_REQUIRED' as const;
  constructor(
    /** The type of the message that came without a tenant. */
    readonly messageType: string,
    readonly kind: MessageKind,
  ) {
    super(`The ${kind} '${messageType}' needs a tenant, and none was given`);
  }
}

/**
 * A handler running for one tenant named another, or called a store operation that spans every
 * tenant. Only handlers registered with `{ system: true }` may. Nothing was read or written.
 */
export class CrossTenantAccessError extends WhizbangError {
  readonly code = 'WHIZBANG_CROSS_TENANT' as const;
  constructor(
    /** The tenant the handler runs for. */
    readonly tenantId: string,
    /** The tenant the call named; undefined for a call that spans every tenant. */
    readonly requestedTenantId: string | undefined,
    /** The store operation, e.g. `documents.get`. */
    readonly operation: string,
  ) {
    super(
      requestedTenantId === undefined
        ? `${operation} spans every tenant; a handler for tenant '${tenantId}' may not call it unless it runs as system`
        : `A handler for tenant '${tenantId}' may not reach tenant '${requestedTenantId}' (${operation}) unless it runs as system`,
    );
  }
}

/**
 * A handler that declares permissions or policies got a message with no principal (or one
 * without an id): nobody to authorize. The handler did not run. The HTTP edge maps it to 401.
 */
export class UnauthenticatedError extends WhizbangError {
  readonly code = 'WHIZBANG_UNAUTHENTICATED' as const;
  constructor(
    readonly messageType: string,
    readonly reason: string,
  ) {
    super(`'${messageType}' needs an authenticated principal: ${reason}`);
  }
}

/**
 * The principal may not do this: it lacks a permission the handler declares, or a policy
 * refused. The handler did not run; the denial was audited. The HTTP edge maps it to 403.
 */
export class ForbiddenError extends WhizbangError {
  readonly code = 'WHIZBANG_FORBIDDEN' as const;
  /** The permission the principal lacks, when that is why. */
  readonly permission?: string;
  /** The name of the policy that refused, when that is why. */
  readonly policy?: string;
  constructor(
    readonly principalId: string,
    readonly tenantId: string | undefined,
    readonly messageType: string,
    readonly reason: string,
    failed: { readonly permission?: string; readonly policy?: string } = {},
  ) {
    super(`'${principalId}' may not ${messageType}: ${reason}`);
    if (failed.permission !== undefined) this.permission = failed.permission;
    if (failed.policy !== undefined) this.policy = failed.policy;
  }
}

export const isConcurrencyError = errorGuard<ConcurrencyError>('WHIZBANG_CONCURRENCY');
export const isValidationError = errorGuard<ValidationError>('WHIZBANG_VALIDATION');
export const isStreamDeletedError = errorGuard<StreamDeletedError>('WHIZBANG_STREAM_DELETED');
export const isStreamNotFoundError = errorGuard<StreamNotFoundError>('WHIZBANG_STREAM_NOT_FOUND');
export const isStreamArchivedError = errorGuard<StreamArchivedError>('WHIZBANG_STREAM_ARCHIVED');
export const isHandlerNotFoundError = errorGuard<HandlerNotFoundError>('WHIZBANG_HANDLER_NOT_FOUND');
export const isDuplicateHandlerError = errorGuard<DuplicateHandlerError>('WHIZBANG_DUPLICATE_HANDLER');
export const isPublishError = errorGuard<PublishError>('WHIZBANG_PUBLISH_FAILED');
export const isMiddlewareError = errorGuard<MiddlewareError>('WHIZBANG_MIDDLEWARE');
export const isStateError = errorGuard<StateError>('WHIZBANG_STATE');
export const isCheckpointConflictError = errorGuard<CheckpointConflictError>('WHIZBANG_CHECKPOINT_CONFLICT');
export const isDocumentNotFoundError = errorGuard<DocumentNotFoundError>('WHIZBANG_DOCUMENT_NOT_FOUND');
export const isDocumentConflictError = errorGuard<DocumentConflictError>('WHIZBANG_DOCUMENT_CONFLICT');
export const isLeaseLostError = errorGuard<LeaseLostError>('WHIZBANG_LEASE_LOST');
export const isProjectionFailedError = errorGuard<ProjectionFailedError>('WHIZBANG_PROJECTION_FAILED');
export const isTenantRebuildRefusedError = errorGuard<TenantRebuildRefusedError>(
  'WHIZBANG_TENANT_REBUILD_REFUSED',
);
export const isTransportUnavailableError = errorGuard<TransportUnavailableError>(
  'WHIZBANG_TRANSPORT_UNAVAILABLE',
);
export const isTenantRequiredError = errorGuard<TenantRequiredError>('WHIZBANG_TENANT_REQUIRED');
export const isCrossTenantAccessError = errorGuard<CrossTenantAccessError>('WHIZBANG_CROSS_TENANT');
export const isUnauthenticatedError = errorGuard<UnauthenticatedError>('WHIZBANG_UNAUTHENTICATED');
export const isForbiddenError = errorGuard<ForbiddenError>('WHIZBANG_FORBIDDEN');
