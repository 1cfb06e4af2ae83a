/**
 * Runs sagas on a store. Each step happens in one transaction: the message's inbox record (per
 * saga, so a redelivered message is ignored), the instance read and written back expecting the
 * version it was read at, and the commands and timeouts it asked for, written to the outbox.
 * When another node updated the instance between the read and the write, the step is decided
 * again on the fresh instance in the same transaction: two nodes never lose each other's update.
 *
 * Messages reach a saga three ways, each exactly once in effect: events appended to this
 * store's log (through the projection daemon, as a reactor per saga), messages from other
 * services (through the message consumer's transaction), and its own timeouts (through the
 * outbox, when they fall due).
 */
import { SpanKind } from '@opentelemetry/api';
import { SAGA_REACTOR_PREFIX } from './saga-reactor-name.js';
import { ATTR } from '../observability/semantic.js';
import { parentContextFor } from '../observability/trace-context.js';
import { DispatchContext, type Dispatcher } from '../mediator/handler-context.js';
import { isDocumentConflictError, StateError } from '../errors/catalog.js';
import type { DispatchOptions } from '../context/execution-context.js';
import { DEFAULT_TENANT, type RecordedEvent } from '../event-store/types.js';
import { defineCommand, type, type Message, type MessageKind } from '../messages/define.js';
import type { Envelope } from '../messages/envelope.js';
import { outboxMessage } from '../messaging/outbox-forwarding.js';
import { defineReactor, type Reactor } from '../projections/define-reactor.js';
import type { NewOutboxMessage, Store, StoreSession, StoredDocument } from '../store/ports.js';
import { scopeSession } from '../tenancy/scoped-session.js';
import type { Saga } from './define-saga.js';
import {
  FORGET,
  runSagaStep,
  type DueTimeout,
  type SagaInstance,
  type SagaIntents,
  type SagaTrigger,
} from './saga-step.js';

interface TimeoutMessageData {
  readonly saga: string;
  readonly instance: string;
  readonly timeout: DueTimeout;
}

/** The message a due timeout arrives as. */
export const SagaTimeoutMessage = defineCommand('whizbang.SagaTimeout', { data: type<TimeoutMessageData>() });

/** The document collection of a saga's instances. */
export const sagaCollection = (saga: string) => `whizbang.sagas.${saga}`;
/** The inbox group that remembers which messages a saga has handled. */
const inboxGroup = (saga: string) => `saga.${saga}`;
/** Decisions made again in one step when other nodes keep winning the race for the instance. */
const MAX_RACES = 20;

/** What the runtime needs from the app it runs in. */
export interface SagaHost extends Dispatcher {
  envelopeFor(kind: MessageKind, message: Message, options?: DispatchOptions): Envelope;
  /** The outbox destination of a command sent by a saga (or of a saga's timeout). */
  commandDestination(type: string): string;
  /** Where replies to this app's requests go. */
  replyDestination(): string;
}

/** A saga instance with its document version. */
export interface StoredSagaInstance<S = unknown> extends SagaInstance<S> {
  readonly id: string;
  readonly version: number;
}

/**
 * What this node's saga runtime has done since it was created. A step counts when it ran; if the
 * transaction around it rolled back afterwards (a consumer batch that failed), it still counts.
 */
export interface SagaCounters {
  started: number;
  handled: number;
  completed: number;
  compensated: number;
  /** Messages no instance was waiting for, or that came after it ended. */
  ignored: number;
  /** Messages seen again (redelivered) and skipped. */
  duplicates: number;
  /** Steps decided again because another node updated the instance first. */
  races: number;
  /** Ended instances deleted after `keepEndedFor`. */
  forgotten: number;
}

export class SagaRuntime {
  readonly counters: SagaCounters = {
    started: 0,
    handled: 0,
    completed: 0,
    compensated: 0,
    ignored: 0,
    duplicates: 0,
    races: 0,
    forgotten: 0,
  };
  readonly #byType = new Map<string, Saga<any>[]>();
  readonly #byName = new Map<string, Saga<any>>();

  constructor(
    readonly sagas: readonly Saga<any>[],
    readonly store: Store,
    readonly host: SagaHost,
  ) {
    for (const saga of sagas) {
      if (this.#byName.has(saga.name)) throw new TypeError(`Two sagas are named '${saga.name}'`);
      this.#byName.set(saga.name, saga);
      for (const messageType of saga.messageTypes) {
        let list = this.#byType.get(messageType);
        if (!list) this.#byType.set(messageType, (list = []));
        list.push(saga);
      }
    }
  }

  /** Whether any saga handles messages of `type`. */
  handles(messageType: string): boolean {
    return this.#byType.has(messageType);
  }

  /** Runs every saga that handles the message, in `tx` (a message consumer's transaction). */
  async receive(envelope: Envelope, tx: StoreSession): Promise<void> {
    for (const saga of this.#byType.get(envelope.type) ?? [])
      await this.#step(saga, { kind: 'message', message: envelope }, tx, envelope.metadata.tenantId);
  }

  /** Runs one saga, by name, on a message meant for it (a reply to its request), in `tx`. */
  async deliver(sagaName: string, envelope: Envelope, tx: StoreSession, instanceId: string): Promise<void> {
    const saga = this.#byName.get(sagaName);
    if (saga === undefined) {
      this.counters.ignored++;
      return;
    }
    await this.#step(
      saga,
      { kind: 'message', message: envelope },
      tx,
      envelope.metadata.tenantId,
      instanceId,
    );
  }

  /** Runs a timeout that fell due, in `tx`. */
  async timeout(envelope: Envelope, tx: StoreSession): Promise<void> {
    const data = envelope.data as TimeoutMessageData;
    const saga = this.#byName.get(data.saga);
    if (saga === undefined) {
      this.counters.ignored++; // the saga was removed from the app since the timeout was asked for
      return;
    }
    if (data.timeout.name === FORGET) return this.#forget(saga, data.instance, envelope, tx);
    const trigger: SagaTrigger = { kind: 'timeout', message: envelope, timeout: data.timeout };
    this.host.telemetry.metrics?.sagaTimeouts.add(1, { [ATTR.saga]: saga.name });
    await this.#step(saga, trigger, tx, envelope.metadata.tenantId, data.instance);
  }

  /** Deletes an ended instance whose time to be kept is over. */
  async #forget(saga: Saga, id: string, envelope: Envelope, tx: StoreSession): Promise<void> {
    const tenantId = envelope.metadata.tenantId;
    const scope = tenantId === undefined || tenantId === DEFAULT_TENANT ? {} : { tenantId };
    const collection = sagaCollection(saga.name);
    const stored = await tx.documents.get<SagaInstance>(collection, id, scope);
    // Only the instance that asked for it: not one started again meanwhile.
    if (stored?.data.status === 'active' || stored === undefined) return;
    await tx.documents.delete(collection, id, { ...scope, expectedVersion: stored.version });
    this.counters.forgotten++;
  }

  /** One reactor per saga: how the events appended to this store's log reach it. */
  reactors(): Reactor[] {
    return this.sagas
      .filter((saga) => saga.log)
      .map((saga) =>
        defineReactor({
          name: `${SAGA_REACTOR_PREFIX}${saga.name}`,
          partitions: saga.partitions,
          handlers: Object.fromEntries(
            saga.messageTypes.map((messageType) => [
              messageType,
              (event: RecordedEvent) =>
                this.store.transaction((tx) =>
                  this.#step(saga, { kind: 'message', message: event }, tx, event.tenantId),
                ),
            ]),
          ),
        }),
      );
  }

  /** An instance as stored, or undefined. */
  async instance<S>(
    saga: Saga<S>,
    id: string,
    options: { readonly tenantId?: string } = {},
  ): Promise<StoredSagaInstance<S> | undefined> {
    if (!this.#byName.has(saga.name)) throw new StateError(`'${saga.name}' is not one of this app's sagas`);
    const found = await this.store.documents.get<SagaInstance<S>>(sagaCollection(saga.name), id, options);
    return found && { ...found.data, id: found.id, version: found.version };
  }

  /** One step of one saga instance, as a `saga <name>` span. */
  #step(
    saga: Saga,
    trigger: SagaTrigger,
    tx: StoreSession,
    tenant: string | undefined,
    instanceId?: string,
  ): Promise<void> {
    const { telemetry } = this.host;
    const { journeys } = telemetry;
    if (telemetry.tracer === undefined && journeys === undefined)
      return this.#stepOnce(saga, trigger, tx, tenant, instanceId);
    const { message } = trigger;
    const startedAt = Date.now();
    const started = performance.now();
    let traceId: string | undefined;
    const step = () => this.#stepOnce(saga, trigger, tx, tenant, instanceId);
    const record = (ok: boolean, error: unknown) =>
      journeys?.record({
        kind: 'saga',
        messageType: message.type,
        handler: saga.name,
        envelope: message,
        startedAt,
        durationMs: performance.now() - started,
        ok,
        error,
        traceId,
        budget: undefined,
        result: undefined,
      });
    const pending =
      telemetry.tracer === undefined
        ? step()
        : this.#traced(saga, trigger, tenant, (id) => ((traceId = id), step()));
    return pending.then(
      () => record(true, undefined),
      (error: unknown) => {
        record(false, error);
        throw error;
      },
    );
  }

  #traced(
    saga: Saga,
    trigger: SagaTrigger,
    tenant: string | undefined,
    step: (traceId: string | undefined) => Promise<void>,
  ): Promise<void> {
    const { message } = trigger;
    return this.host.telemetry.span(
      `saga ${saga.name}`,
      SpanKind.INTERNAL,
      {
        [ATTR.saga]: saga.name,
        [ATTR.messageType]: message.type,
        [ATTR.messageId]: message.id,
        [ATTR.correlationId]: message.metadata.correlationId,
        'whizbang.saga.trigger': trigger.kind,
        ...(tenant !== undefined && { [ATTR.tenantId]: tenant }),
      },
      parentContextFor(message.metadata),
      (span) => step(span?.spanContext().traceId),
    );
  }

  async #stepOnce(
    saga: Saga,
    trigger: SagaTrigger,
    tx: StoreSession,
    tenant: string | undefined,
    instanceId?: string,
  ): Promise<void> {
    const { message } = trigger;
    const tenantId = tenant === DEFAULT_TENANT ? undefined : tenant;
    const scope = tenantId === undefined ? {} : { tenantId };
    const id = instanceId ?? saga.correlationOf(message);
    if (!(await tx.inbox.record(inboxGroup(saga.name), message.id))) {
      this.counters.duplicates++;
      return;
    }
    const collection = sagaCollection(saga.name);
    // The saga's own handlers see only the tenant of the message; the runtime itself names it.
    const handlerStore = tenant === undefined ? tx : scopeSession(tx, tenant);
    for (let race = 1; ; race++) {
      const stored: StoredDocument<SagaInstance> | undefined = await tx.documents.get(collection, id, scope);
      const outcome = await runSagaStep(saga, stored?.data, trigger, {
        id,
        store: handlerStore,
        now: Date.now(),
      });
      if (!outcome.handled) {
        this.counters.ignored++;
        return;
      }
      try {
        await tx.documents.put(collection, id, outcome.instance, {
          ...scope,
          expectedVersion: stored?.version ?? 'none',
        });
      } catch (error) {
        if (!isDocumentConflictError(error) || race >= MAX_RACES) throw error;
        this.counters.races++;
        continue; // nothing of this decision was written: decide again on the fresh instance
      }
      // What it sends names even the default tenant: an app that requires tenants must take it.
      await this.#perform(saga, id, outcome.intents, message, tx, tenant);
      this.counters.handled++;
      if (outcome.started) this.counters.started++;
      if (outcome.instance.status === 'completed') this.counters.completed++;
      if (outcome.instance.status === 'compensated') this.counters.compensated++;
      return;
    }
  }

  /** Writes what a committed decision asked for, in its transaction. */
  async #perform(
    saga: Saga,
    instance: string,
    intents: SagaIntents,
    cause: Envelope,
    tx: StoreSession,
    tenantId: string | undefined,
  ): Promise<void> {
    const meta = cause.metadata;
    const journey: DispatchOptions = {
      correlationId: meta.correlationId,
      causationId: cause.id,
      tenantId,
      principal: meta.principal,
      traceparent: meta.traceparent,
      tracestate: meta.tracestate,
    };
    const rows: NewOutboxMessage[] = intents.send.map((command) =>
      outboxMessage(
        'command',
        this.host.envelopeFor('command', command, journey),
        this.host.commandDestination(command.type),
      ),
    );
    for (const command of intents.requests) {
      const envelope = this.host.envelopeFor('command', command, journey);
      const request = {
        ...envelope,
        metadata: { ...envelope.metadata, replyTo: this.host.replyDestination() },
      };
      rows.push(outboxMessage('command', request, this.host.commandDestination(command.type)));
    }
    for (const timeout of intents.timeouts) {
      const data: TimeoutMessageData = {
        saga: saga.name,
        instance,
        timeout: {
          name: timeout.name,
          id: timeout.id,
          data: timeout.data,
          dueAt: timeout.dueAt.toISOString(),
        },
      };
      const envelope = this.host.envelopeFor(
        'command',
        SagaTimeoutMessage(data, { id: timeout.id }),
        journey,
      );
      rows.push(
        outboxMessage(
          'command',
          envelope,
          this.host.commandDestination(SagaTimeoutMessage.type),
          timeout.dueAt,
        ),
      );
    }
    for (const id of intents.cancelled) await tx.outbox.cancel(id);
    if (rows.length > 0) await tx.outbox.add(rows);
    if (intents.publish.length > 0) {
      const context = new DispatchContext(
        'event',
        { ...cause, metadata: { ...meta, tenantId } },
        tx,
        undefined,
        this.host,
        true,
      );
      for (const event of intents.publish) await context.publish(event);
    }
  }
}
