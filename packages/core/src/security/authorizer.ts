/**
 * The authorization step of the mediator: before a message reaches its handler, the principal
 * must hold the handler's permissions (checked before the schema) and pass its policies and the
 * app's (checked on the validated data). A refusal is audited and thrown as `ForbiddenError` (or `UnauthenticatedError`
 * when there is nobody to authorize). A handler with nothing to check gets no step at all.
 */
import { ForbiddenError, UnauthenticatedError, ValidationError } from '../errors/catalog.js';
import type { HandlerContext } from '../mediator/handler-context.js';
import type { HandlerRegistration } from '../mediator/handlers.js';
import { auditToConsole, type AuditDenial, type AuthorizationDenial } from './authorization-denial.js';
import { RoleGrants, type RoleMap } from './permissions.js';
import { isPolicy, type Policy, type PolicyContext } from './policy.js';

export interface AuthorizationOptions {
  /** The permissions each role grants; `*` and `orders:*` are wildcards. */
  readonly roles?: RoleMap;
  /**
   * Policies for every command and query whose message carries a principal (a handler opts out
   * with `appPolicies: false`). Messages without a principal are the runtime's own or the app's
   * background work: only handlers that declare requirements refuse them.
   */
  readonly policies?: readonly Policy<any>[];
  /** Receives every denial (default: a warning through the app's logger). */
  readonly audit?: AuditDenial;
}

/** The app's authorization settings, checked once. */
export class Authorization {
  readonly grants: RoleGrants;
  readonly policies: readonly Policy[];
  readonly audit: AuditDenial;

  /** @throws ValidationError for a bad role map, a policy not made by `definePolicy`, or an audit that is not a function. */
  constructor(options: AuthorizationOptions = {}, fallbackAudit: AuditDenial = auditToConsole) {
    this.grants = new RoleGrants(options.roles);
    const policies = options.policies ?? [];
    const bad = Array.isArray(policies) ? policies.findIndex((p) => !isPolicy(p)) : 0;
    if (bad >= 0)
      throw new ValidationError(
        [{ message: 'must be a list of policies made by definePolicy', path: ['policies', bad] }],
        'authorization',
      );
    if (options.audit !== undefined && typeof options.audit !== 'function')
      throw new ValidationError([{ message: 'must be a function', path: ['audit'] }], 'authorization');
    this.policies = policies;
    this.audit = options.audit ?? fallbackAudit;
  }

  /** The check for one handler, or undefined when it has nothing to check (it then costs nothing). */
  authorizerFor(registration: HandlerRegistration): Authorizer | undefined {
    const { kind, type } = registration.definition;
    const { permissions, policies } = registration;
    const declared = permissions.length > 0 || policies.length > 0;
    const app = kind !== 'event' && registration.appPolicies ? this.policies : [];
    if (!declared && app.length === 0) return undefined;
    return new Authorizer(type, permissions, [...app, ...policies], declared, this);
  }
}

/** What a policy answered instead of `true` or a reason, for the denial's reason. */
const answerText = (answer: unknown) =>
  answer === undefined ? 'nothing' : typeof answer === 'string' ? 'an empty reason' : `a ${typeof answer}`;

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as { then?: unknown } | null)?.then === 'function';

/** One handler's check. */
export class Authorizer {
  constructor(
    readonly messageType: string,
    readonly permissions: readonly string[],
    /** The app's policies first, then the handler's. */
    readonly policies: readonly Policy[],
    /** The handler declares requirements of its own, so it needs a principal. */
    readonly principalRequired: boolean,
    readonly authorization: Authorization,
  ) {}

  /**
   * Undefined when the message may go on at once; otherwise a promise that settles when the
   * async policies have answered, rejected on a denial (after the audit). Synchronous checks
   * never allocate a promise, so an allowed message pays no await.
   */
  check(ctx: HandlerContext): Promise<void> | undefined {
    const access = this.checkAccess(ctx);
    return access ?? this.checkPolicies(ctx);
  }

  /**
   * The principal and its permissions: what can be judged before the message's data is looked
   * at, so a caller without the right learns nothing of the schema. Undefined when it may go on.
   */
  checkAccess(ctx: HandlerContext): Promise<never> | undefined {
    const principal = ctx.principal;
    if (principal === undefined || principal === null) {
      if (!this.principalRequired) return undefined;
      return this.#deny(ctx, undefined, 'the message has no principal', {});
    }
    if (typeof principal.id !== 'string' || principal.id === '')
      return this.#deny(ctx, undefined, 'the principal has no id', {});
    for (const permission of this.permissions)
      if (!this.authorization.grants.allows(principal, permission))
        return this.#deny(ctx, principal.id, `lacks the permission '${permission}'`, { permission });
    return undefined;
  }

  /**
   * The policies, on the data the handler will get: run after validation, since a schema may
   * trim, default or coerce, and a policy must judge what is acted on, not what was sent.
   */
  checkPolicies(ctx: HandlerContext): Promise<void> | undefined {
    if (ctx.principal === undefined || ctx.principal === null) return undefined;
    return this.#runPolicies(ctx as PolicyContext, 0);
  }

  #runPolicies(ctx: PolicyContext, from: number): Promise<void> | undefined {
    for (let i = from; i < this.policies.length; i++) {
      const policy = this.policies[i]!;
      const result = policy.check(ctx);
      if (isThenable(result))
        return Promise.resolve(result).then(
          (answer) => this.#verdict(ctx, policy, answer) ?? this.#runPolicies(ctx, i + 1),
        );
      const denied = this.#verdict(ctx, policy, result);
      if (denied !== undefined) return denied;
    }
    return undefined;
  }

  #verdict(ctx: PolicyContext, policy: Policy, answer: unknown): Promise<void> | undefined {
    if (answer === true) return undefined;
    // Anything but `true` refuses: a policy that forgets to answer does not let a message through.
    const reason =
      typeof answer === 'string' && answer.trim() !== ''
        ? answer
        : `the policy did not allow it (it answered ${answerText(answer)})`;
    return this.#deny(ctx, ctx.principal.id, reason, { policy: policy.name });
  }

  #deny(
    ctx: HandlerContext,
    principalId: string | undefined,
    reason: string,
    failed: { readonly permission?: string; readonly policy?: string },
  ): Promise<never> {
    const { message } = ctx;
    const error =
      principalId === undefined
        ? new UnauthenticatedError(message.type, reason)
        : new ForbiddenError(principalId, ctx.tenantId, message.type, reason, failed);
    const denial: AuthorizationDenial = {
      at: new Date(),
      principalId,
      tenantId: ctx.tenantId,
      messageType: message.type,
      messageId: message.id,
      correlationId: ctx.correlationId,
      reason,
      ...failed,
    };
    try {
      const audited = this.authorization.audit(denial);
      if (isThenable(audited))
        return Promise.resolve(audited).then(() => {
          throw error;
        });
    } catch (auditFailure) {
      return Promise.reject(auditFailure);
    }
    return Promise.reject(error);
  }
}
