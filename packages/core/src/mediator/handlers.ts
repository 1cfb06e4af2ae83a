/**
 * Handler registrations: `handle(PlaceOrder, (command, ctx) => ...)` ties a handler function to
 * a message definition, with optional per-handler middleware.
 */
import type {
  CommandDefinition,
  EventDefinition,
  MessageDefinition,
  QueryDefinition,
} from '../messages/define.js';
import type { Envelope } from '../messages/envelope.js';
import { ValidationError, type ValidationIssue } from '../errors/catalog.js';
import { permissionProblem } from '../security/permissions.js';
import { isPolicy, type Policy } from '../security/policy.js';
import type { HandlerContext } from './handler-context.js';
import type { Middleware } from './middleware.js';
import { checkBudget, type Budget } from '../observability/telemetry.js';

type Awaitable<T> = T | Promise<T>;

export interface HandlerOptions {
  /** A name for errors and traces (defaults to the function's name). */
  readonly name?: string;
  /** Middleware that wraps only this handler, inside the global middleware. */
  readonly middleware?: readonly Middleware[];
  /**
   * Runs as system: `ctx.store` is the unscoped store, in which the handler may name any tenant
   * (and call what spans every tenant). Otherwise a handler for tenant T sees only T's data.
   */
  readonly system?: boolean;
  /**
   * Permissions the principal must hold (itself or through its roles), all of them. A handler
   * that declares permissions or policies refuses a message without a principal.
   */
  readonly permissions?: readonly string[];
  /** Policies that must all allow the message, after the app's (`definePolicy`, `requireRole`...). */
  readonly policies?: readonly Policy<any>[];
  /**
   * Whether the app's policies (`whizbang({ authorization: { policies } })`) apply to this
   * command or query (default true). The runtime's saga timeouts and workflow replies opt out.
   */
  readonly appPolicies?: boolean;
  /**
   * The longest this handler should take. Running over records a metric
   * (`budget.violations`), a warning log with the breakdown (handler, store and outbox time) and
   * a mark on its journey step. Overrides the app's default for the message kind.
   */
  readonly budget?: Budget;
}

export interface HandlerRegistration {
  readonly definition: MessageDefinition;
  readonly name: string;
  readonly handler: (message: Envelope, ctx: HandlerContext) => unknown;
  readonly middleware: readonly Middleware[];
  /** Whether it runs as system; see `HandlerOptions.system`. */
  readonly system: boolean;
  readonly permissions: readonly string[];
  readonly policies: readonly Policy[];
  readonly appPolicies: boolean;
  readonly budget: Budget | undefined;
}

type DataOf<M> = M extends { readonly data: infer D } ? D : never;
/** A command without a declared result may return anything; the caller gets `void`. */
type Returns<R> = [R] extends [void] ? unknown : R;

/** A command handler's signature: it receives the envelope and returns the command's result. */
export type CommandHandler<Def extends CommandDefinition> = (
  command: Envelope<Def['type'], DataOf<ReturnType<Def>>>,
  ctx: HandlerContext,
) => Awaitable<Def extends CommandDefinition<string, any, infer R> ? Returns<R> : never>;

export type QueryHandler<Def extends QueryDefinition> = (
  query: Envelope<Def['type'], DataOf<ReturnType<Def>>>,
  ctx: HandlerContext,
) => Awaitable<Def extends QueryDefinition<string, any, infer R> ? R : never>;

export type EventHandler<Def extends EventDefinition> = (
  event: Envelope<Def['type'], DataOf<ReturnType<Def>>>,
  ctx: HandlerContext,
) => Awaitable<void>;

/**
 * Registers a handler for a command, query or event definition.
 * @example
 * const placeOrder = handle(PlaceOrder, async (command, ctx) => {
 *   await ctx.store.events.appendToStream(`order-${id}`, [OrderPlaced({ ...command.data, id })]);
 *   return { orderId: id };
 * });
 * const app = whizbang({ store, handlers: [placeOrder] });
 * // Only principals granted 'orders:place' (themselves or through a role) may send it:
 * handle(PlaceOrder, placeOrderHandler, { permissions: ['orders:place'] });
 */
export function handle<Def extends CommandDefinition>(
  definition: Def,
  handler: CommandHandler<Def>,
  options?: HandlerOptions,
): HandlerRegistration;
export function handle<Def extends QueryDefinition>(
  definition: Def,
  handler: QueryHandler<Def>,
  options?: HandlerOptions,
): HandlerRegistration;
export function handle<Def extends EventDefinition>(
  definition: Def,
  handler: EventHandler<Def>,
  options?: HandlerOptions,
): HandlerRegistration;
export function handle(
  definition: MessageDefinition,
  handler: (message: any, ctx: HandlerContext) => unknown,
  options: HandlerOptions = {},
): HandlerRegistration {
  if (typeof definition !== 'function' || typeof definition.type !== 'string') {
    throw new TypeError('handle() needs a definition made by defineCommand, defineQuery or defineEvent');
  }
  if (typeof handler !== 'function')
    throw new TypeError(`The handler for '${definition.type}' must be a function`);
  const { permissions = [], policies = [], appPolicies = true } = options;
  const issues: ValidationIssue[] = [];
  if (!Array.isArray(permissions)) issues.push({ message: 'must be a list', path: ['permissions'] });
  else
    permissions.forEach((permission: unknown, i) => {
      const problem = permissionProblem(permission);
      if (problem !== undefined) issues.push({ message: problem, path: ['permissions', i] });
    });
  if (!Array.isArray(policies)) issues.push({ message: 'must be a list', path: ['policies'] });
  else
    policies.forEach((policy: unknown, i) => {
      if (!isPolicy(policy))
        issues.push({ message: 'must be a policy made by definePolicy', path: ['policies', i] });
    });
  if (typeof appPolicies !== 'boolean') issues.push({ message: 'must be a boolean', path: ['appPolicies'] });
  if (issues.length > 0) throw new ValidationError(issues, `handle(${definition.type})`);
  const budget = checkBudget(options.budget, `handle(${definition.type})`);
  return Object.freeze({
    definition,
    name: options.name ?? (handler.name || `${definition.type} handler`),
    handler,
    middleware: options.middleware ?? [],
    system: options.system === true,
    permissions: Object.freeze([...permissions]),
    policies: Object.freeze([...policies]),
    appPolicies,
    budget,
  });
}
