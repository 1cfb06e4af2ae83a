/**
 * Policies: named checks that allow or refuse a message by who sends it, what it says, what the
 * store holds or when it comes (attribute-based rules such as "only the customer who placed the
 * order may cancel it"). A handler lists its own; the app may add some for every command and query.
 */
import { ValidationError } from '../errors/catalog.js';
import type { HandlerContext } from '../mediator/handler-context.js';
import type { Envelope, Principal } from '../messages/envelope.js';

/** `true` allows; a string refuses, and says why (it goes to the audit and the error). */
export type PolicyResult = true | string;

/**
 * What a policy sees: the handler's context (message, principal, tenant, store) with the
 * principal known to be there. `ctx.message.data` is the data as sent: authorization runs
 * before validation, so read it as untrusted input.
 */
export interface PolicyContext<D = unknown> extends HandlerContext {
  readonly message: Envelope<string, D>;
  readonly principal: Principal;
}

export interface Policy<D = unknown> {
  /** Names the policy in denials, audit records and errors. */
  readonly name: string;
  readonly check: (ctx: PolicyContext<D>) => PolicyResult | Promise<PolicyResult>;
}

/**
 * Defines a policy. Anything but `true` refuses (a policy that forgets to return is a denial,
 * not a pass); an error thrown is not a denial but a failure, so a store that is briefly away
 * does not turn into a refusal.
 * @example
 * const ownerOnly = definePolicy<{ orderId?: unknown }>('order owner', async (ctx) => {
 *   const { orderId } = ctx.message.data; // as sent: not validated yet
 *   if (typeof orderId !== 'string') return 'no order id';
 *   const order = await ctx.store.documents.get<{ customerId: string }>('orders', orderId);
 *   return order?.data.customerId === ctx.principal.id || 'only the customer who placed the order';
 * });
 * handle(CancelOrder, cancelOrder, { permissions: ['orders:cancel'], policies: [ownerOnly] });
 */
export function definePolicy<D = unknown>(
  name: string,
  check: (ctx: PolicyContext<D>) => PolicyResult | Promise<PolicyResult>,
): Policy<D> {
  if (typeof name !== 'string' || name.trim() === '')
    throw new ValidationError([{ message: 'must be a non-empty string', path: ['name'] }], 'definePolicy');
  if (typeof check !== 'function')
    throw new ValidationError([{ message: 'must be a function', path: ['check'] }], `policy '${name}'`);
  return Object.freeze({ name, check });
}

/** Whether `value` is a policy made by `definePolicy` (or shaped like one). */
export function isPolicy(value: unknown): value is Policy<any> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Policy).name === 'string' &&
    typeof (value as Policy).check === 'function'
  );
}
