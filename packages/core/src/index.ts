/**
 * @whizbang/core: messages, the mediator and its middleware, deciders and the command-handling
 * repository, the store ports every driver implements, the error catalog, and the in-memory
 * store. It has no runtime dependency.
 * @module
 */
export {
  whizbang,
  WhizbangApp,
  type BackgroundService,
  type ScheduleOptions,
  type WhizbangOptions,
} from './app/whizbang.js';
export type { TransactionStrategy } from './app/built-in-handlers.js';

export {
  defineCommand,
  defineEvent,
  defineQuery,
  type,
  type Command,
  type CommandDefinition,
  type DefinitionOptions,
  type Event,
  type EventDefinition,
  type Headers,
  type Message,
  type MessageDefinition,
  type MessageKind,
  type MessageOf,
  type MessageOptions,
  type Query,
  type QueryDefinition,
  type ResultOf,
  type TypeHint,
} from './messages/define.js';
export type { Envelope, MessageMetadata, Principal } from './messages/envelope.js';
export type { StandardSchemaV1 } from './messages/standard-schema.js';
export { validateWith } from './messages/validate.js';

export type { DispatchOptions, ExecutionContext } from './context/execution-context.js';
export { currentContext, runWithContext } from './context/ambient-context.js';

export { Mediator, type Forwarder, type MediatorOptions } from './mediator/mediator.js';
export type { HandlerContext } from './mediator/handler-context.js';
export { scopeSession } from './tenancy/scoped-session.js';
export type { TenancyOptions } from './tenancy/tenancy-options.js';
export {
  handle,
  type CommandHandler,
  type EventHandler,
  type HandlerOptions,
  type HandlerRegistration,
  type QueryHandler,
} from './mediator/handlers.js';
export { compose, type Middleware } from './mediator/middleware.js';

export type { AuthorizationOptions } from './security/authorizer.js';
export {
  auditToConsole,
  type AuditDenial,
  type AuthorizationDenial,
} from './security/authorization-denial.js';
export type { RoleMap } from './security/permissions.js';
export { definePolicy, type Policy, type PolicyContext, type PolicyResult } from './security/policy.js';
export { requireRole } from './security/require-role.js';
export { withinHours, type Weekday, type WithinHoursOptions } from './security/within-hours.js';

export { foldEvents, toEventArray, type Decider } from './deciders/decider.js';
export { AggregateRoot } from './deciders/aggregate-root.js';
export {
  aggregateStream,
  appendOptionsFrom,
  handleCommand,
  type AggregateOptions,
  type AggregateState,
  type HandleCommandOptions,
  type HandleCommandResult,
  type SnapshotPolicy,
} from './deciders/command-handler.js';
export { retryOnConflict, type RetryPolicy } from './deciders/retry.js';

export { uuidv7, uuidv7Timestamp } from './ids/uuidv7.js';
export { defineId, type Brand, type IdType } from './ids/branded.js';

export {
  DEFAULT_TENANT,
  LOG_START,
  type AppendMetadata,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type ExpectedVersion,
  type LogPosition,
  type NewEvent,
  type ReadAllFilter,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamAppend,
  type StreamInfo,
  type StreamOptions,
  type StreamSlice,
  type SubscribeOptions,
} from './event-store/types.js';
export { compareLogPositions, formatLogPosition, parseLogPosition } from './event-store/log-position.js';
export { defineUpcaster, type Upcaster } from './event-store/upcasters.js';
export { MAX_PARTITIONS, streamPartition } from './event-store/partition.js';

export type {
  Checkpoint,
  CheckpointStore,
  DeadLetter,
  DeadLetterListOptions,
  DeadLetterStore,
  FailureInfo,
  Lease,
  LeaseInfo,
  LeaseOptions,
  LeaseToken,
  NewDeadLetter,
  InboxStore,
  NewOutboxMessage,
  OutboxBacklog,
  OutboxClaimOptions,
  OutboxMessage,
  OutboxStore,
  SelectOptions,
  TableStore,
  DocumentStore,
  DocumentDeletion,
  DocumentWrite,
  DocumentWriteOptions,
  Snapshot,
  SnapshotStore,
  Store,
  StoreOptions,
  StoreSession,
  StoredDocument,
  ReadManyOptions,
} from './store/ports.js';

export {
  defineTable,
  type ColumnType,
  type ColumnValue,
  type TableDefinition,
} from './store/table-definition.js';

export {
  defineCollection,
  type CollectionDefinition,
  type CollectionRef,
  type CountOptions,
  type DocumentFilter,
  type DocumentPage,
  type FieldCondition,
  type FieldType,
  type FieldValue,
  type FindOptions,
  type IndexDefinition,
  type SortDirection,
  type SortKey,
} from './store/document-query.js';

export {
  defineProjection,
  type Projection,
  type ProjectionContext,
  type ProjectionErrorPolicy,
  type ProjectionHandler,
  type ProjectionHandlers,
  type ProjectionIdentity,
  type ProjectionLifecycle,
  type ProjectionOptions,
  type ProjectionRebuildPolicy,
  type RecordedEventOf,
  type EventOfType,
} from './projections/define-projection.js';
export {
  defineReactor,
  type Reactor,
  type ReactorContext,
  type ReactorHandler,
  type ReactorHandlers,
  type ReactorOptions,
} from './projections/define-reactor.js';
export { withInlineProjections } from './projections/inline-projections.js';
export {
  NODE_PREFIX,
  ProjectionDaemon,
  type ProjectionDaemonOptions,
  type ShardStatus,
} from './projections/projection-daemon.js';
export type { ShardState } from './projections/shard-runner.js';
export {
  projectionProgress,
  waitForProjections,
  type ShardProgress,
} from './projections/projection-progress.js';
export { project } from './projections/live-projection.js';
export { readModel, readTable, type ReadModel, type TableReadModel } from './projections/read-model.js';
export { rebuildProjection, validateGeneration } from './projections/projection-rebuild.js';
export {
  readRegistry as readProjectionRegistry,
  REGISTRY_COLLECTION,
  type RegistryEntry as ProjectionRegistryEntry,
  type ValidationReport,
} from './projections/projection-registry.js';
export type { Generation } from './projections/generations.js';
export { replayDeadLetter } from './projections/dead-letter-replay.js';
export {
  rebuildTenant,
  type RebuildTenantOptions,
  type TenantRebuildReport,
} from './projections/tenant-rebuild.js';
export { eventFromJson, eventToJson, type RecordedEventJson } from './projections/event-payload.js';

export { memoryStore, type MemoryStoreOptions } from './memory/memory-store.js';

export type {
  ConsumeOptions,
  Consumption,
  DeadLetteredMessage,
  Delivery,
  Subscription,
  Topology,
  Transport,
  TransportCapabilities,
  TransportMessage,
} from './transport/transport.js';
export { MemoryBroker, MemoryTransport, memoryTransport } from './transport/memory-transport.js';
export {
  commandsOf,
  eventsOf,
  MessagingPlan,
  type MessagingOptions,
  type MessageRetryPolicy,
  type RelayOptions,
} from './messaging/messaging-options.js';
export {
  OutboxRelay,
  transportMessageOf,
  type OutboxDelivery,
  type OutboxRelayStatus,
} from './messaging/outbox-relay.js';
export { transportDelivery } from './messaging/transport-delivery.js';
export { LOCAL_DESTINATION, localDelivery } from './messaging/local-delivery.js';
export {
  MessageConsumer,
  messageSource,
  type ParkedMessage,
  type Receiver,
} from './messaging/message-consumer.js';
export { decodeEnvelope, encodeEnvelope, type DecodedMessage } from './messaging/envelope-codec.js';

export {
  defineSaga,
  type Saga,
  type SagaContext,
  type SagaCorrelations,
  type SagaFailure,
  type SagaHandler,
  type SagaHandlers,
  type SagaMessageOf,
  type SagaOptions,
  type SagaTimeout,
  type TimeoutWhen,
} from './sagas/define-saga.js';
export {
  runSagaStep,
  type DueTimeout,
  type PendingTimeout,
  type RequestedTimeout,
  type SagaInstance,
  type SagaIntents,
  type SagaStatus,
  type SagaStepOutcome,
  type SagaTrigger,
  type StepEnvironment,
} from './sagas/saga-step.js';
export {
  defineWorkflow,
  workflowStep,
  type StepResults,
  type Workflow,
  type WorkflowOptions,
  type WorkflowState,
  type WorkflowStep,
} from './sagas/define-workflow.js';
export { ReplyMessage, type ReplyData } from './messaging/replies.js';
export {
  sagaCollection,
  SagaRuntime,
  SagaTimeoutMessage,
  type SagaCounters,
  type SagaHost,
  type StoredSagaInstance,
} from './sagas/saga-runtime.js';

// Observability: spans, metrics, logs, budgets
export {
  isLogLevel,
  jsonLogger,
  LOG_LEVELS,
  type JsonLoggerOptions,
  type LogFn,
  type Logger,
  type LogLevel,
} from './observability/logger.js';
export {
  endWithError,
  Telemetry,
  type Budget,
  type BudgetViolation,
  type HandledStep,
  type ObservabilityOptions,
  type StepSink,
} from './observability/telemetry.js';
export {
  INSTRUMENTATION_SCOPE,
  metricsFor,
  WhizbangMetrics,
  type GaugeReading,
  type GaugeSource,
} from './observability/metrics.js';
export { ATTR, dbSystemOf, errorAttributes } from './observability/semantic.js';
export {
  parentContextFor,
  remoteContextOf,
  spanContextOf,
  traceparentOf,
  type TraceFields,
} from './observability/trace-context.js';
export { logBindings } from './mediator/handler-context.js';

export * from './errors/catalog.js';
export { isWhizbangError, WhizbangError } from './errors/whizbang-error.js';

// Observability: message journeys
export {
  createRedactor,
  DEFAULT_REDACTED_KEYS,
  type Redactor,
  type RedactorOptions,
} from './observability/redact.js';
export {
  journeyCollection,
  type Journey,
  type JourneyNode,
  type JourneyOutcome,
  type JourneyStep,
  type JourneyStepKind,
  type NewJourneyStep,
} from './observability/journeys/journey-step.js';
export {
  JourneyRecorder,
  type JourneyCounters,
  type JourneyRecorderOptions,
} from './observability/journeys/journey-recorder.js';
export {
  JourneyQueries,
  type JourneyFindOptions,
  type JourneyGetOptions,
  type JourneyStepPage,
} from './observability/journeys/journey-queries.js';
