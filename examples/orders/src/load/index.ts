/**
 * The orders service's load, for the benchmarks (`@whizbang/example-orders/load`): start the
 * service as its own process on a store of its own, drive it with the shop's mix for a fixed
 * time, read the report.
 * @module
 */
export type { LatencySummary, OperationStats } from './latency.js';
export { formatLoadReport } from './report.js';
export { runLoad, type LoadOptions, type LoadReport, type LoadTenant } from './run-load.js';
export type { WriteAnswer } from './shopper.js';
export {
  startThrowawayService,
  type ThrowawayService,
  type ThrowawayServiceOptions,
  type ThrowawayStore,
} from './throwaway-service.js';
