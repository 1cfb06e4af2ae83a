/**
 * @whizbang/testing: given/when/then specs for deciders, projections and sagas, with readable
 * failures and no test-runner dependency, and the guard for suites that need a real server.
 * The driver conformance suites live in `@whizbang/testing/conformance` (they use vitest).
 * @module
 */
export { DeciderSpec, type DeciderGiven, type DeciderThen } from './specs/decider-spec.js';
export { ProjectionSpec, type FoldProjection, type ProjectionHandlers } from './specs/projection-spec.js';
export { SagaSpec, type SagaSpecOptions, type SagaThen } from './specs/saga-spec.js';
export type { ErrorExpectation } from './specs/diff.js';
export { realService, type RealService } from './services/real-service.js';
export { tcpProxy, type TcpProxy, type TcpProxyOptions } from './services/tcp-proxy.js';
