/**
 * @whizbang/testing/conformance: the suites every store driver and every transport must pass,
 * unchanged. A driver runs them in one line; a case it cannot honour is a bug in the driver,
 * never a skip.
 * @example
 * import { storeConformance } from '@whizbang/testing/conformance';
 * storeConformance('sqlite', (options) => sqliteStore({ path: ':memory:', ...options }));
 * @module
 */
import { describe } from 'vitest';
import { badInputCases } from './bad-input.js';
import { checkpointCases } from './checkpoints.js';
import { concurrencyCases } from './concurrency.js';
import { deadLetterCases } from './dead-letters.js';
import { documentQueryCases } from './document-queries.js';
import { documentCases } from './documents.js';
import { expectedVersionCases } from './expected-version.js';
import { journeyCases } from './journeys.js';
import { leaseCases } from './leases.js';
import type { StoreFactory } from './harness.js';
import { messagingCases } from './messaging.js';
import { multiStreamCases } from './multi-stream.js';
import { projectionRebuildCases } from './projection-rebuilds.js';
import { projectionCases } from './projections.js';
import { reactorCases } from './reactors.js';
import { readAllCases } from './read-all.js';
import { readStreamCases } from './read-stream.js';
import { sagaCases } from './sagas.js';
import { schemaCases } from './schemas.js';
import { workflowCases } from './workflows.js';
import { snapshotCases } from './snapshots.js';
import { streamLifecycleCases } from './stream-lifecycle.js';
import { tableCases } from './tables.js';
import { tenancyCases } from './tenancy.js';
import { tenantRebuildCases } from './tenant-rebuilds.js';
import { transactionCases } from './transactions.js';

export type { StoreFactory } from './harness.js';
export { transportConformance, type TransportConformanceOptions } from './transport.js';
export {
  ChaosEffect,
  messagingChaosConformance,
  poisonMessageConformance,
  runMessagingChaosNode,
  type MessagingChaosOptions,
  type PoisonMessageOptions,
} from './messaging-chaos.js';
export { runSagaChaosNode, sagaTimeoutChaosConformance, type SagaChaosOptions } from './saga-chaos.js';
export { logIntegrityConformance, type LogIntegrityOptions } from './log-integrity.js';
export {
  chaosCounter,
  daemonChaosConformance,
  runChaosNode,
  type DaemonChaosOptions,
} from './daemon-chaos.js';
export {
  crashRecoveryConformance,
  runCrashWriter,
  CRASH_PARTS,
  type CrashRecoveryOptions,
} from './crash-recovery.js';

/** The event store port: expected versions, reads, the global log, concurrency, lifecycle, schemas, bad input. */
export function eventStoreConformance(name: string, factory: StoreFactory): void {
  describe(`${name}: event store conformance`, () => {
    expectedVersionCases(factory);
    readStreamCases(factory);
    readAllCases(factory);
    concurrencyCases(factory);
    multiStreamCases(factory);
    streamLifecycleCases(factory);
    schemaCases(factory);
    badInputCases(factory);
    tenancyCases(factory);
  });
}

export function documentStoreConformance(name: string, factory: StoreFactory): void {
  describe(`${name}: document store conformance`, () => {
    documentCases(factory);
    documentQueryCases(factory);
  });
}

export function tableStoreConformance(name: string, factory: StoreFactory): void {
  describe(`${name}: table store conformance`, () => {
    tableCases(factory);
  });
}

export function checkpointStoreConformance(name: string, factory: StoreFactory): void {
  describe(`${name}: checkpoint store conformance`, () => {
    checkpointCases(factory);
    leaseCases(factory);
  });
}

export function deadLetterStoreConformance(name: string, factory: StoreFactory): void {
  describe(`${name}: dead letter store conformance`, () => {
    deadLetterCases(factory);
  });
}

export function snapshotStoreConformance(name: string, factory: StoreFactory): void {
  describe(`${name}: snapshot store conformance`, () => {
    snapshotCases(factory);
  });
}

/** The outbox and the inbox. */
export function messagingStoreConformance(name: string, factory: StoreFactory): void {
  describe(`${name}: outbox and inbox conformance`, () => {
    messagingCases(factory);
  });
}

/** Inline, async (the daemon, on this store's leases and checkpoints) and live projections. */
export function projectionConformance(name: string, factory: StoreFactory): void {
  describe(`${name}: projection conformance`, () => {
    projectionCases(factory);
    projectionRebuildCases(factory);
    tenantRebuildCases(factory);
    reactorCases(factory);
  });
}

/** Sagas on this store: state, timeouts and commands through its documents, outbox and inbox. */
export function sagaConformance(name: string, factory: StoreFactory): void {
  describe(`${name}: saga conformance`, () => {
    sagaCases(factory);
    workflowCases(factory);
  });
}

/** Message journeys recorded into this store's documents and read back as trees. */
export function journeyConformance(name: string, factory: StoreFactory): void {
  describe(`${name}: journey conformance`, () => {
    journeyCases(factory);
  });
}

/** Every port of a store, and transactions across them. */
export function storeConformance(name: string, factory: StoreFactory): void {
  eventStoreConformance(name, factory);
  documentStoreConformance(name, factory);
  checkpointStoreConformance(name, factory);
  snapshotStoreConformance(name, factory);
  deadLetterStoreConformance(name, factory);
  tableStoreConformance(name, factory);
  messagingStoreConformance(name, factory);
  describe(`${name}: transaction conformance`, () => {
    transactionCases(factory);
  });
  projectionConformance(name, factory);
  sagaConformance(name, factory);
  journeyConformance(name, factory);
}
