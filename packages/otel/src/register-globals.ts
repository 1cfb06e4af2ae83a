/**
 * The OpenTelemetry API's process-wide registrations: the context manager, the propagator, the
 * tracer provider and the meter provider. Whizbang's library code only ever talks to these
 * globals, so whoever registers them decides where telemetry goes; this module registers all
 * four or none, and removes them again.
 */
import {
  context,
  metrics,
  propagation,
  trace,
  type ContextManager,
  type MeterProvider,
  type TextMapPropagator,
  type TracerProvider,
} from '@opentelemetry/api';
import { StateError } from '@whizbang/core';

export interface Globals {
  readonly contextManager: ContextManager;
  readonly propagator: TextMapPropagator;
  readonly tracerProvider: TracerProvider;
  readonly meterProvider: MeterProvider;
}

const slots = [
  {
    name: 'context manager',
    api: context,
    set: (g: Globals) => context.setGlobalContextManager(g.contextManager),
  },
  {
    name: 'propagator',
    api: propagation,
    set: (g: Globals) => propagation.setGlobalPropagator(g.propagator),
  },
  {
    name: 'tracer provider',
    api: trace,
    set: (g: Globals) => trace.setGlobalTracerProvider(g.tracerProvider),
  },
  {
    name: 'meter provider',
    api: metrics,
    set: (g: Globals) => metrics.setGlobalMeterProvider(g.meterProvider),
  },
] as const;

/**
 * Registers all four globals, or, when another setup already holds one of them, none: the
 * API keeps the first registration and ignores later ones, which would leave an app sending
 * its telemetry nowhere without a word.
 */
export function registerGlobals(globals: Globals): void {
  const registered: (typeof slots)[number][] = [];
  const taken: string[] = [];
  for (const slot of slots) {
    if (slot.set(globals)) registered.push(slot);
    else taken.push(slot.name);
  }
  if (taken.length === 0) return;
  for (const slot of registered) slot.api.disable();
  throw new StateError(
    `OpenTelemetry is already set up in this process (its global ${taken.join(', ')} ${taken.length === 1 ? 'is' : 'are'} registered): ` +
      'call shutdown() on the earlier setupObservability() handle, or drop the other SDK setup, before setting up again',
  );
}

/** Removes the four globals, so the API falls back to no-ops and a new setup can register. */
export function unregisterGlobals(): void {
  for (const slot of slots) slot.api.disable();
}
