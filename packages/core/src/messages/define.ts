/**
 * Message definitions. A definition is a factory that builds plain, readonly message data
 * (`{ type, data }`) and carries what the runtime needs to know about the type: its kind,
 * its optional schema and, for events, its schema version.
 */
import type { StandardSchemaV1 } from './standard-schema.js';

/** The three kinds of message. */
export type MessageKind = 'command' | 'query' | 'event';

declare const resultType: unique symbol;
declare const kindType: unique symbol;
declare const dataType: unique symbol;

/** A type-only marker: `type<T>()` tells a definition the shape of its data or result without runtime validation. */
export interface TypeHint<T> {
  readonly [dataType]?: T;
  readonly '~hint': true;
}

/**
 * Declares a type with no runtime check.
 * @example
 * const GetOrder = defineQuery('GetOrder', { data: type<{ id: string }>(), result: type<Order | null>() });
 */
export function type<T>(): TypeHint<T> {
  return HINT as TypeHint<T>;
}
const HINT: TypeHint<unknown> = Object.freeze({ '~hint': true as const });

/** User headers carried with a message and copied into its envelope. */
export type Headers = Readonly<Record<string, string>>;

/** A message as plain data. `id` and `headers` are optional: the runtime fills in an id. */
export interface Message<T extends string = string, D = unknown> {
  readonly type: T;
  readonly data: D;
  readonly id?: string;
  readonly headers?: Headers;
}

/** A command: exactly one handler, returns `R`. */
export interface Command<T extends string = string, D = unknown, R = unknown> extends Message<T, D> {
  readonly [kindType]?: 'command';
  readonly [resultType]?: R;
}
/** A query: exactly one handler, returns `R`, changes nothing. */
export interface Query<T extends string = string, D = unknown, R = unknown> extends Message<T, D> {
  readonly [kindType]?: 'query';
  readonly [resultType]?: R;
}
/** An event: a fact; any number of handlers. */
export interface Event<T extends string = string, D = unknown> extends Message<T, D> {
  readonly [kindType]?: 'event';
}

/** The result type a command or query resolves to. */
export type ResultOf<M> = M extends { readonly [resultType]?: infer R } ? R : never;

type DataFrom<O> = O extends { schema: StandardSchemaV1<infer I, unknown> }
  ? I
  : O extends { data: TypeHint<infer D> }
    ? D
    : Record<string, never>;
type ParsedFrom<O, D> = O extends { schema: StandardSchemaV1<unknown, infer P> } ? P : D;
type ResultFrom<O> = O extends { result: TypeHint<infer R> } ? R : void;

/** Options shared by every definition. Give `schema` to validate, or `data: type<T>()` for types only. */
export interface DefinitionOptions {
  /** A Standard Schema (zod, valibot, arktype…): the payload is validated at every edge. */
  readonly schema?: StandardSchemaV1;
  /** A type-only declaration of the payload, when no run-time validation is wanted. */
  readonly data?: TypeHint<unknown>;
}

interface BaseDefinition<K extends MessageKind, T extends string, D> {
  readonly kind: K;
  readonly type: T;
  readonly schema: StandardSchemaV1<D> | undefined;
}

/** A command definition: `PlaceOrder(data)` builds the command. */
export interface CommandDefinition<T extends string = string, D = any, R = any, P = D> extends BaseDefinition<
  'command',
  T,
  D
> {
  (data: D, options?: MessageOptions): Command<T, P, R>;
}
/** A query definition: `GetOrder(data)` builds the query. */
export interface QueryDefinition<T extends string = string, D = any, R = any, P = D> extends BaseDefinition<
  'query',
  T,
  D
> {
  (data: D, options?: MessageOptions): Query<T, P, R>;
}
/** An event definition: `OrderPlaced(data)` builds the event. */
export interface EventDefinition<T extends string = string, D = any, P = D> extends BaseDefinition<
  'event',
  T,
  D
> {
  (data: D, options?: MessageOptions): Event<T, P>;
  /** The current schema version of this event type; older stored versions are upcast on read. */
  readonly schemaVersion: number;
}
export type MessageDefinition = CommandDefinition | QueryDefinition | EventDefinition;

/** Optional per-message fields: a caller-chosen id (for idempotency) and user headers. */
export interface MessageOptions {
  readonly id?: string;
  readonly headers?: Headers;
}

/** The message type a definition builds: `MessageOf<typeof PlaceOrder>`. */
export type MessageOf<Def> = Def extends (...args: never[]) => infer M ? M : never;

function define<K extends MessageKind>(
  kind: K,
  name: string,
  options: DefinitionOptions & { schemaVersion?: number },
): MessageDefinition {
  if (typeof name !== 'string' || name.length === 0)
    throw new TypeError('A message type needs a non-empty name');
  const factory = (data: unknown, messageOptions?: MessageOptions): Message => {
    if (messageOptions === undefined) return { type: name, data };
    return { type: name, data, ...messageOptions };
  };
  const props: Record<string, unknown> = { kind, type: name, schema: options.schema };
  if (kind === 'event') {
    const version = options.schemaVersion ?? 1;
    if (!Number.isInteger(version) || version < 1)
      throw new TypeError(`schemaVersion of '${name}' must be a positive integer`);
    props['schemaVersion'] = version;
  }
  // `name` is read-only on functions, so define it rather than assign.
  Object.defineProperty(factory, 'name', { value: name });
  return Object.freeze(Object.assign(factory, props)) as unknown as MessageDefinition;
}

/**
 * Defines a command: an intent with exactly one handler.
 * @example
 * const PlaceOrder = defineCommand('PlaceOrder', {
 *   schema: z.object({ customerId: z.string(), items: z.array(Item).min(1) }),
 *   result: type<{ orderId: string }>(),
 * });
 * await app.send(PlaceOrder({ customerId: 'c-1', items }));
 */
export function defineCommand<
  const T extends string,
  const O extends DefinitionOptions & { readonly result?: TypeHint<unknown> } = {},
>(name: T, options?: O): CommandDefinition<T, DataFrom<O>, ResultFrom<O>, ParsedFrom<O, DataFrom<O>>> {
  return define('command', name, options ?? {}) as never;
}

/**
 * Defines a query: a question with exactly one handler and a typed result.
 * @example
 * const GetOrder = defineQuery('GetOrder', { data: type<{ id: string }>(), result: type<OrderView | null>() });
 * const order = await app.query(GetOrder({ id }));
 */
export function defineQuery<
  const T extends string,
  const O extends DefinitionOptions & { readonly result?: TypeHint<unknown> } = {},
>(name: T, options?: O): QueryDefinition<T, DataFrom<O>, ResultFrom<O>, ParsedFrom<O, DataFrom<O>>> {
  return define('query', name, options ?? {}) as never;
}

/**
 * Defines an event: a fact that happened. `schemaVersion` (default 1) is stored with each
 * event, and upcasters lift older versions on read.
 * @example
 * const OrderPlaced = defineEvent('OrderPlaced', { data: type<{ orderId: string; total: number }>() });
 * type OrderPlaced = MessageOf<typeof OrderPlaced>;
 */
export function defineEvent<
  const T extends string,
  const O extends DefinitionOptions & { readonly schemaVersion?: number } = {},
>(name: T, options?: O): EventDefinition<T, DataFrom<O>, ParsedFrom<O, DataFrom<O>>> {
  return define('event', name, options ?? {}) as never;
}
