/**
 * The audit of denials: every message refused by authorization leaves one record, handed to
 * `authorization.audit`. By default it is one JSON line on stderr.
 */

/** One refused message: who, in which tenant, what, and why. */
export interface AuthorizationDenial {
  readonly at: Date;
  /** Undefined when the message came without a principal. */
  readonly principalId: string | undefined;
  readonly tenantId: string | undefined;
  readonly messageType: string;
  readonly messageId: string;
  readonly correlationId: string;
  readonly reason: string;
  /** The permission the principal lacks, when that is why. */
  readonly permission?: string;
  /** The policy that refused, when that is why. */
  readonly policy?: string;
}

/**
 * Receives each denial. It runs before the error is thrown: if it throws (or rejects), that
 * error is thrown instead and the message fails like any other, so a denial is never dropped
 * from the audit unnoticed (a consumer retries it).
 */
export type AuditDenial = (denial: AuthorizationDenial) => void | Promise<void>;

/**
 * An audit that writes one JSON line through `console.warn` (stderr). An app's default audit
 * writes through its logger instead.
 * @example
 * whizbang({ store, handlers, authorization: { audit: (denial) => auditLog.push(denial) } });
 */
export const auditToConsole: AuditDenial = (denial) => {
  console.warn(JSON.stringify({ event: 'whizbang.authorization.denied', ...denial }));
};
