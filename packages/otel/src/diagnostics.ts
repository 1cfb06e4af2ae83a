/**
 * The SDK's own complaints (an exporter that cannot reach its collector, a bad environment
 * variable) go to `diag`, which is silent until a logger is set. `OTEL_LOG_LEVEL` is the
 * standard switch for it, so it keeps working here.
 */
import { diag, DiagConsoleLogger } from '@opentelemetry/api';
import { diagLogLevelFromString } from '@opentelemetry/core';

/** Turns on console diagnostics when `OTEL_LOG_LEVEL` asks; returns how to turn them off. */
export function diagnosticsFromEnv(): () => void {
  const level = diagLogLevelFromString(process.env.OTEL_LOG_LEVEL);
  if (level === undefined) return () => {};
  diag.setLogger(new DiagConsoleLogger(), level);
  return () => diag.disable();
}
