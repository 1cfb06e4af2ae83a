/**
 * The mediator: routes commands and queries to their one handler and events to all of
 * theirs, through the middleware onion, with an envelope and execution context per message.
 */
import { runWithContext } from '../context/ambient-context.js';
import type { DispatchOptions } from '../context/execution-context.js';
import {
  DuplicateHandlerError,
  HandlerNotFoundError,
  PublishError,
  TenantRequiredError,
} from '../errors/catalog.js';
import { uuidv7At } from '../ids/uuidv7.js';
import type {
  Command,
  Event,
  Message,
  MessageDefinition,
  MessageKind,
  Query,
  ResultOf,
} from '../messages/define.js';
import type { Envelope, MessageMetadata } from '../messages/envelope.js';
import { validateWith } from '../messages/validate.js';
import { Authorization, type AuthorizationOptions, type Authorizer } from '../security/authorizer.js';
import type { StoreSession } from '../store/ports.js';
import { DispatchContext, type Dispatcher, type HandlerContext } from './handler-context.js';
import type { HandlerRegistration } from './handlers.js';
import { compose, type Middleware, type Terminal } from './middleware.js';
import { tenantRequirement, type TenancyOptions } from '../tenancy/tenancy-options.js';
import type { Logger } from '../observability/logger.js';
import { ObservedStep, Telemetry, type ObservabilityOptions } from '../observability/telemetry.js';
import { activeTraceFields, type TraceFields } from '../observability/trace-context.js';

/**
 * Where messages leave this process: a command routed to another service goes there instead
 * of to a local handler; a published event may go out as well as to the local handlers.
 */
export interface Forwarder {
  /** The destination of a message of this kind and type, or undefined to keep it in process. */
  destinationOf(kind: MessageKind, type: string): string | undefined;
  /** Hands the envelope to the outbox of `store`, so it leaves with that session's commit. */
  forward(kind: MessageKind, envelope: Envelope, destination: string, store: StoreSession): Promise<void>;
}

export interface MediatorOptions {
  readonly store: StoreSession;
  readonly handlers?: readonly HandlerRegistration[];
  /** Global middleware, outermost first; wraps every handler of every kind. */
  readonly middleware?: readonly Middleware[];
  /** Also expose the context through AsyncLocalStorage (`currentContext()`); off by default, it costs ~300 ns per message. */
  readonly ambientContext?: boolean;
  /** Routes messages to other services (set by `whizbang({ messaging })`). */
  readonly forwarder?: Forwarder;
  /** Which messages must come with a tenant (none by default). */
  readonly tenancy?: TenancyOptions;
  /**
   * Who may do what: the role map, policies for every command and query, and where denials
   * are audited. Handlers declare their own permissions and policies with `handle()`.
   */
  readonly authorization?: AuthorizationOptions;
  /**
   * Where the runtime logs, and handlers through `ctx.log` (default: JSON lines on stderr at
   * `info`, as pino writes them). Pass a pino logger, or anything of the same shape.
   */
  readonly logger?: Logger;
  /** Tracing, metrics, budgets: see `ObservabilityOptions`. */
  readonly observability?: ObservabilityOptions;
  /** Made from `logger` and `observability` unless given (the app makes one to share). */
  readonly telemetry?: Telemetry;
}

/** What an envelope takes from where its message came from. */
interface Origin extends TraceFields {
  readonly tenantId?: string | undefined;
  readonly principal?: DispatchOptions['principal'];
  /** The step observing this dispatch, told of the envelope once it is made. */
  readonly step?: ObservedStep | undefined;
}

interface Route {
  readonly definition: MessageDefinition;
  readonly name: string;
  /** Its latency budget in ms: its own, or the app's default for its kind. */
  readonly budgetMs: number | undefined;
  readonly invoke: Terminal;
  readonly system: boolean;
  /** The handler's authorization step; undefined when it has nothing to check. */
  readonly authorize: Authorizer | undefined;
}

interface EventRoute {
  readonly definition: MessageDefinition;
  readonly handlers: {
    readonly name: string;
    readonly budgetMs: number | undefined;
    readonly invoke: Terminal;
    readonly system: boolean;
    readonly authorize: Authorizer | undefined;
  }[];
  /** Whether every handler runs as system (then the event needs no tenant). */
  system: boolean;
}

const NO_OPTIONS: DispatchOptions = {};

function terminalFor(registration: HandlerRegistration): Terminal {
  const fn = registration.handler;
  return (ctx) => {
    try {
      return Promise.resolve(fn(ctx.message, ctx));
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

export class Mediator implements Dispatcher {
  readonly #commands = new Map<string, Route>();
  readonly #queries = new Map<string, Route>();
  readonly #events = new Map<string, EventRoute>();
  readonly #kinds = new Map<string, MessageKind>();
  readonly #global: readonly Middleware[];
  readonly #store: StoreSession;
  readonly #ambient: boolean;
  readonly #forwarder: Forwarder | undefined;
  readonly #tenantRequired: ((messageType: string, kind: MessageKind) => boolean) | undefined;
  readonly #authorization: Authorization;
  /** What this app records of its work: spans, metrics, logs, budgets, journey steps. */
  readonly telemetry: Telemetry;

  constructor(options: MediatorOptions) {
    this.telemetry = options.telemetry ?? new Telemetry(options.observability, options.logger);
    this.#store = options.store;
    this.#tenantRequired = tenantRequirement(options.tenancy);
    this.#forwarder = options.forwarder;
    this.#authorization = new Authorization(options.authorization);
    this.#global = options.middleware ?? [];
    this.#ambient = options.ambientContext ?? false;
    for (const registration of options.handlers ?? []) this.register(registration);
  }

  /**
   * Adds a handler. A command or query type takes exactly one; an event type any number.
   * @throws DuplicateHandlerError for a second command/query handler, or a type name reused across kinds.
   */
  register(registration: HandlerRegistration): void {
    const { definition } = registration;
    const { kind, type } = definition;
    const known = this.#kinds.get(type);
    if (known && known !== kind) {
      throw new DuplicateHandlerError(
        type,
        kind,
        `'${type}' is already registered as a ${known}; a type name has one kind`,
      );
    }
    this.#kinds.set(type, kind);
    const authorize = this.#authorization.authorizerFor(registration);
    let invoke = compose([...this.#global, ...registration.middleware], terminalFor(registration));
    if (this.#ambient) {
      const inner = invoke;
      invoke = (ctx) => runWithContext(ctx, () => inner(ctx));
    }
    const system = registration.system;
    const budgetMs = this.telemetry.budgetFor(kind, registration.budget);
    if (kind === 'event') {
      let route = this.#events.get(type);
      if (!route) this.#events.set(type, (route = { definition, handlers: [], system }));
      route.handlers.push({
        name: registration.name,
        budgetMs,
        invoke,
        system,
        authorize,
      });
      route.system &&= system;
      return;
    }
    const routes = kind === 'command' ? this.#commands : this.#queries;
    if (routes.has(type)) throw new DuplicateHandlerError(type, kind);
    routes.set(type, {
      definition,
      name: registration.name,
      budgetMs,
      invoke,
      system,
      authorize,
    });
  }

  /**
   * Sends a command to its handler and resolves to the handler's result.
   * @example
   * const { orderId } = await app.send(PlaceOrder({ customerId, items }), { tenantId: 'acme' });
   */
  send<C extends Command>(command: C, options: DispatchOptions = NO_OPTIONS): Promise<ResultOf<C>> {
    return this.#dispatchRoot('command', command, options) as Promise<ResultOf<C>>;
  }

  /**
   * Runs a query and resolves to its typed result.
   * @example
   * const order = await app.query(GetOrder({ id }));
   */
  query<Q extends Query>(query: Q, options: DispatchOptions = NO_OPTIONS): Promise<ResultOf<Q>> {
    return this.#dispatchRoot('query', query, options) as Promise<ResultOf<Q>>;
  }

  /**
   * Publishes an event to every in-process handler, one after another. Each runs even if an
   * earlier one failed; failures are reported together as one `PublishError`.
   */
  publish(event: Event, options: DispatchOptions = NO_OPTIONS): Promise<void> {
    return this.#dispatchRoot('event', event, options) as Promise<void>;
  }

  /**
   * Used by `ctx.send/query/publish`: the child inherits the parent's context. It runs on the
   * parent's unscoped session, so a system handler it reaches is system there too.
   */
  dispatch(kind: MessageKind, message: Command | Query | Event, parent: HandlerContext): Promise<unknown> {
    const meta = parent.message.metadata;
    return this.#route(
      kind,
      message,
      meta.correlationId,
      parent.message.id,
      meta,
      parent instanceof DispatchContext ? parent.session : parent.store,
      parent.signal,
    );
  }

  #dispatchRoot(kind: MessageKind, message: Message, options: DispatchOptions): Promise<unknown> {
    return this.#route(
      kind,
      message,
      options.correlationId,
      options.causationId,
      options,
      this.#store,
      options.signal,
    );
  }

  #route(
    kind: MessageKind,
    message: Message,
    correlationId: string | undefined,
    causationId: string | undefined,
    from: Origin,
    store: StoreSession,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    if (message === null || typeof message !== 'object' || typeof message.type !== 'string') {
      return Promise.reject(
        new TypeError(`${kind} must be a message object with a type, as built by its definition`),
      );
    }
    const destination = this.#forwarder?.destinationOf(kind, message.type);
    let target: Route | EventRoute | undefined;
    if (kind === 'event') target = this.#events.get(message.type);
    else if (destination === undefined)
      target = (kind === 'command' ? this.#commands : this.#queries).get(message.type);
    if (this.#lacksTenant(kind, message.type, from.tenantId, target))
      return Promise.reject(new TenantRequiredError(message.type, kind));
    if (
      kind !== 'event' &&
      target !== undefined &&
      ((target as Route).budgetMs !== undefined || this.telemetry.observesEveryMessage)
    )
      return this.#observed(kind, message, target as Route, correlationId, causationId, from, store, signal);
    return this.#routeTo(kind, message, target, destination, correlationId, causationId, from, store, signal);
  }

  /**
   * A command or query handled here, observed: its span, metrics, budget and journey step around
   * the rest of the dispatch. Kept out of #route, so the unobserved path stays small.
   */
  #observed(
    kind: MessageKind,
    message: Message,
    route: Route,
    correlationId: string | undefined,
    causationId: string | undefined,
    from: Origin,
    store: StoreSession,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const step = new ObservedStep(kind, message.type, route.name, route.budgetMs);
    return this.telemetry.handle(step, from, (fields) =>
      this.#routeTo(
        kind,
        message,
        route,
        undefined,
        correlationId,
        causationId,
        originOf(from, fields, step),
        store,
        signal,
      ),
    );
  }

  /** The rest of a dispatch, once its route is known (and its observation, if any, begun). */
  #routeTo(
    kind: MessageKind,
    message: Message,
    target: Route | EventRoute | undefined,
    destination: string | undefined,
    correlationId: string | undefined,
    causationId: string | undefined,
    from: Origin,
    store: StoreSession,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    if (target === undefined) {
      if (destination !== undefined) {
        // Handled by another service (or only there): it validates on receipt; here the message
        // only has to leave. A command sent elsewhere resolves to nothing.
        const envelope = this.#envelope(
          kind,
          message,
          message.data,
          undefined,
          correlationId,
          causationId,
          from,
        );
        return this.#forwarder!.forward(kind, envelope, destination, store).then(() => undefined);
      }
      if (kind === 'event') return Promise.resolve(); // nobody listens, here or elsewhere
      return Promise.reject(new HandlerNotFoundError(message.type, kind));
    }
    if (kind !== 'event' && (target as Route).authorize !== undefined) {
      // The envelope first: the audit of a denial names its id. See #authorized for the order.
      const envelope = this.#envelope(
        kind,
        message,
        message.data,
        target.definition,
        correlationId,
        causationId,
        from,
      );
      if (from.step !== undefined) from.step.envelope = envelope;
      return this.#authorized(kind, envelope, target as Route, store, signal);
    }
    const schema = target.definition.schema;
    if (schema === undefined) {
      return this.#deliver(
        kind,
        message,
        message.data,
        target,
        correlationId,
        causationId,
        from,
        store,
        signal,
      );
    }
    try {
      const parsed = validateWith(schema, message.data, message.type);
      if (parsed instanceof Promise) {
        const route = target;
        return parsed.then((data) =>
          this.#deliver(kind, message, data, route, correlationId, causationId, from, store, signal),
        );
      }
      return this.#deliver(kind, message, parsed, target, correlationId, causationId, from, store, signal);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Whether the app requires a tenant this message lacks (messages only system handlers take need none). */
  #lacksTenant(
    kind: MessageKind,
    type: string,
    tenantId: string | undefined,
    target: Route | EventRoute | undefined,
  ): boolean {
    return (
      this.#tenantRequired !== undefined &&
      tenantId === undefined &&
      !(target?.system ?? false) &&
      this.#tenantRequired(type, kind)
    );
  }

  /**
   * Builds the envelope and the context and hands them to the route. A method, not a closure
   * made per message: a dispatch without a schema allocates only what it hands on.
   */
  #deliver(
    kind: MessageKind,
    message: Message,
    data: unknown,
    target: Route | EventRoute,
    correlationId: string | undefined,
    causationId: string | undefined,
    from: Origin,
    store: StoreSession,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const envelope = this.#envelope(kind, message, data, target.definition, correlationId, causationId, from);
    if (from.step !== undefined) from.step.envelope = envelope;
    if (kind === 'event') {
      const destination = this.#forwarder?.destinationOf(kind, envelope.type);
      if (destination !== undefined)
        return this.#forwarder!.forward(kind, envelope, destination, store).then(() =>
          this.#publishTo(target as EventRoute, envelope, store, signal),
        );
      return this.#publishTo(target as EventRoute, envelope, store, signal);
    }
    const route = target as Route;
    return route.invoke(new DispatchContext(kind, envelope, store, signal, this, route.system));
  }

  /**
   * The route of a handler with requirements: the principal and its permissions first, on the
   * message as sent (a caller without rights learns nothing of its schema), then validation,
   * then the policies on the validated data, then the middleware and the handler.
   */
  #authorized(
    kind: MessageKind,
    envelope: Envelope,
    route: Route,
    store: StoreSession,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const authorize = route.authorize!;
    const ctx = new DispatchContext(kind, envelope, store, signal, this, route.system);
    // The handler sees the data its schema made (trimmed, defaulted), under the same id; its
    // policies judge that data, not what was sent.
    const run = (data: unknown) => {
      const target =
        data === envelope.data
          ? ctx
          : new DispatchContext(kind, { ...envelope, data }, store, signal, this, route.system);
      const pending = authorize.checkPolicies(target);
      return pending === undefined ? route.invoke(target) : pending.then(() => route.invoke(target));
    };
    const validated = () => {
      const schema = route.definition.schema;
      if (schema === undefined) return run(envelope.data);
      const parsed = validateWith(schema, envelope.data, envelope.type);
      return parsed instanceof Promise ? parsed.then(run) : run(parsed);
    };
    try {
      return authorize.checkAccess(ctx) ?? validated();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #envelope(
    kind: MessageKind,
    message: Message,
    data: unknown,
    definition: MessageDefinition | undefined,
    correlationId: string | undefined,
    causationId: string | undefined,
    from: Origin,
  ): Envelope {
    // One clock read serves the id and the timestamp (a read costs ~50 ns on a VM).
    const timestamp = Date.now();
    const id = message.id ?? uuidv7At(timestamp);
    // Traced, a message made inside a span (an HTTP request, a saga step) continues its trace.
    const traced =
      this.telemetry.tracer === undefined || from.step !== undefined ? from : activeTraceFields(from);
    const metadata: MessageMetadata = {
      correlationId: correlationId ?? id,
      causationId,
      tenantId: from.tenantId,
      principal: from.principal,
      traceparent: traced.traceparent,
      tracestate: traced.tracestate,
      timestamp,
      schemaVersion:
        kind === 'event' ? (definition as { schemaVersion?: number } | undefined)?.schemaVersion : undefined,
      headers: message.headers,
    };
    return { id, type: message.type, data, metadata };
  }

  /**
   * A context for work that is not a handler (a unit of work, a script): its own journey, or
   * the one `options` names, reading and writing through `store`.
   */
  contextFor(store: StoreSession, options: DispatchOptions = NO_OPTIONS): HandlerContext {
    const envelope = this.envelopeFor('command', { type: '$unit-of-work', data: undefined }, options);
    return new DispatchContext('command', envelope, store, options.signal, this, false);
  }

  /** The envelope a message sent with `options` gets: its id, journey, tenant and trace context. */
  envelopeFor(kind: MessageKind, message: Message, options: DispatchOptions = NO_OPTIONS): Envelope {
    return this.#envelope(
      kind,
      message,
      message.data,
      undefined,
      options.correlationId,
      options.causationId,
      options,
    );
  }

  /**
   * Hands a message that arrived from another process to its local handlers, with the
   * envelope it came with (its id, correlation and tenant), through `store` (the consumer's
   * transaction, so the handlers' effects commit with the inbox record). Never forwarded again.
   * @throws HandlerNotFoundError for a command or query nobody here handles.
   */
  receive(
    kind: MessageKind,
    envelope: Envelope,
    store: StoreSession,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const target =
      kind === 'event'
        ? this.#events.get(envelope.type)
        : (kind === 'command' ? this.#commands : this.#queries).get(envelope.type);
    if (this.#lacksTenant(kind, envelope.type, envelope.metadata.tenantId, target))
      return Promise.reject(new TenantRequiredError(envelope.type, kind));
    if (target === undefined) {
      if (kind === 'event') return Promise.resolve();
      return Promise.reject(new HandlerNotFoundError(envelope.type, kind));
    }
    if (kind !== 'event') {
      const route = target as Route;
      if (route.budgetMs !== undefined || this.telemetry.observesEveryMessage) {
        const step = new ObservedStep(kind, envelope.type, route.name, route.budgetMs);
        step.envelope = envelope;
        return this.telemetry.handle(step, envelope.metadata, (fields) =>
          this.#receiveBy(kind, withTrace(envelope, fields), route, store, signal),
        );
      }
    }
    return this.#receiveBy(kind, envelope, target, store, signal);
  }

  #receiveBy(
    kind: MessageKind,
    envelope: Envelope,
    target: Route | EventRoute,
    store: StoreSession,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    if (kind !== 'event' && (target as Route).authorize !== undefined)
      return this.#authorized(kind, envelope, target as Route, store, signal);
    const run = (data: unknown) => {
      const received = data === envelope.data ? envelope : { ...envelope, data };
      if (kind === 'event') return this.#publishTo(target as EventRoute, received, store, signal);
      const route = target as Route;
      return route.invoke(new DispatchContext(kind, received, store, signal, this, route.system));
    };
    const schema = target.definition.schema;
    if (schema === undefined) return run(envelope.data);
    try {
      const parsed = validateWith(schema, envelope.data, envelope.type);
      return parsed instanceof Promise ? parsed.then(run) : run(parsed);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async #publishTo(
    route: EventRoute,
    envelope: Envelope,
    store: StoreSession,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    let failures: { handler: string; error: unknown }[] | undefined;
    const telemetry = this.telemetry;
    for (const handler of route.handlers) {
      try {
        if (handler.budgetMs !== undefined || telemetry.observesEveryMessage) {
          const step = new ObservedStep('event', envelope.type, handler.name, handler.budgetMs);
          step.envelope = envelope;
          await telemetry.handle(step, envelope.metadata, (fields) =>
            this.#handleEvent(handler, withTrace(envelope, fields), store, signal),
          );
        } else await this.#handleEvent(handler, envelope, store, signal);
      } catch (error) {
        (failures ??= []).push({ handler: handler.name, error });
      }
    }
    if (failures) throw new PublishError(envelope.type, failures);
  }

  async #handleEvent(
    handler: EventRoute['handlers'][number],
    envelope: Envelope,
    store: StoreSession,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const ctx = new DispatchContext('event', envelope, store, signal, this, handler.system);
    // An event is validated once for all its handlers; each handler's own check comes next.
    const pending = handler.authorize?.check(ctx);
    if (pending !== undefined) await pending;
    await handler.invoke(ctx);
  }
}

/** Where a dispatch observed as `step` takes its envelope's tenant, principal and trace fields from. */
function originOf(from: Origin, fields: TraceFields | undefined, step: ObservedStep): Origin {
  return {
    tenantId: from.tenantId,
    principal: from.principal,
    traceparent: fields?.traceparent,
    tracestate: fields?.tracestate,
    step,
  };
}

/** The envelope as its handler sees it: carrying the trace context of the handler's span. */
function withTrace(envelope: Envelope, fields: TraceFields | undefined): Envelope {
  const meta = envelope.metadata;
  if (
    fields === undefined ||
    (fields.traceparent === meta.traceparent && fields.tracestate === meta.tracestate)
  )
    return envelope;
  return {
    ...envelope,
    metadata: { ...meta, traceparent: fields.traceparent, tracestate: fields.tracestate },
  };
}
