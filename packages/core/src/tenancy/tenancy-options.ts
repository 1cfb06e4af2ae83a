/** Which messages must come with a tenant. */
import { ValidationError } from '../errors/catalog.js';
import type { MessageKind } from '../messages/define.js';

export interface TenancyOptions {
  /**
   * Whether a message dispatched or received without a tenant is refused with
   * `TenantRequiredError` before anything runs: never (the default), always, or by message type.
   * Messages handled only by system handlers (the framework's own among them) are exempt.
   * @example
   * whizbang({ store, handlers, tenancy: { required: (type) => !type.startsWith('Admin') } });
   */
  readonly required?: boolean | ((messageType: string, kind: MessageKind) => boolean);
}

/** The check the mediator runs, or undefined when no message needs a tenant (the hot path's case). */
export function tenantRequirement(
  options: TenancyOptions | undefined,
): ((messageType: string, kind: MessageKind) => boolean) | undefined {
  const required = options?.required;
  if (required === undefined || required === false) return undefined;
  if (required === true) return () => true;
  if (typeof required !== 'function')
    throw new ValidationError(
      [{ message: 'must be a boolean or a function of the message type', path: ['tenancy', 'required'] }],
      'whizbang',
    );
  return required;
}
