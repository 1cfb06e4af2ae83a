/**
 * @whizbang/core/driver: the kit for writing a store driver. Every driver runs these same
 * checks before it writes and the same upcasting on read, so all drivers accept and reject
 * exactly the same input; the conformance suite in `@whizbang/testing/conformance` then pins
 * the rest. Application code does not need this entry.
 * @module
 */
export {
  assertStreamName,
  checkAppend,
  checkMultiAppend,
  DEFAULT_MAX_EVENT_SIZE,
  encodeJson,
  versionMatches,
  type CheckedEvent,
} from './event-store/append-input.js';
export {
  checkLockStreams,
  checkReadAll,
  checkReadStream,
  checkStreamOptions,
  tenantOf,
} from './event-store/read-input.js';
export { EventCodec } from './event-store/event-codec.js';
export { recordedMetadata, storedEventMetadata } from './event-store/event-metadata.js';
export { tail, type TailSource } from './event-store/tail.js';
export {
  assertDocumentVersion,
  checkCheckpoint,
  checkDocumentKey,
  checkLimit,
  checkName,
  checkPrefix,
  checkSnapshot,
  checkBulkDocuments,
  checkDeletions,
  type CheckedDocument,
  type CheckedDeletions,
  checkDeadLetter,
  checkDeadLetterList,
  checkIds,
  checkLease,
  checkLeaseToken,
  encodeDocument,
  failureInfo,
  MAX_BULK,
} from './store/port-input.js';
export { UpcasterChain } from './event-store/upcasters.js';
export { EventTypeRegistry } from './event-store/event-types.js';
export {
  checkCollectionDefinition,
  checkCount,
  checkDocumentDeletions,
  checkDocumentIds,
  checkFind,
  collectionName,
  encodeCursor,
  type FieldPredicate,
  type Keyset,
  type NormalizedQuery,
  type NormalizedSortKey,
} from './store/document-query-input.js';
export {
  compareCodePoints,
  compareKeysets,
  keysetOf,
  matches,
  pageOf,
  typedValue,
} from './store/document-query-eval.js';
export {
  compileDocumentQuery,
  documentIndexes,
  sqlLiteral,
  type CompiledQuery,
  type DocumentIndexSql,
  type DocumentSqlDialect,
} from './store/document-query-sql.js';
export { DocumentStoreBase, mergePatch, patchDocument } from './store/document-patch.js';
export {
  checkKeys,
  checkRows,
  checkSelect,
  checkTable,
  decodeRow,
  rowsJson,
  tableIndexName,
  type CheckedRow,
  type CheckedSelect,
} from './store/table-input.js';
export { renameTable } from './store/table-definition.js';
export {
  checkChannelName,
  checkConsumeOptions,
  checkPublish,
  checkSubscription,
  checkTakeLimit,
  checkTopology,
} from './transport/transport-input.js';
export { handleDelivery, settleOnce, type Settlers, type TrackedDelivery } from './transport/settle-once.js';
export {
  checkClaim,
  checkInboxKey,
  checkInboxKeys,
  checkOutboxMessages,
  checkOwnedIds,
  checkPrune,
  checkRelease,
  type CheckedOutboxMessage,
} from './store/messaging-input.js';
