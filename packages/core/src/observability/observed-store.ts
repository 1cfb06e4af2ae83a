/**
 * A store whose calls the app observes: appends get a span (`append`) and the append metrics,
 * and every call's time is added to the budget breakdown of the handler it runs in (store time,
 * or outbox time). Transactions hand out observed sessions too, so a unit of work is covered.
 */
import { context, SpanKind, type Attributes } from '@opentelemetry/api';
import type { AppendOptions, NewEvent, StreamAppend } from '../event-store/types.js';
import type { Store, StoreSession } from '../store/ports.js';
import { ATTR, dbSystemOf } from './semantic.js';
import { currentStepTimes, type Telemetry } from './telemetry.js';

const PORTS = [
  'events',
  'documents',
  'checkpoints',
  'snapshots',
  'deadLetters',
  'tables',
  'outbox',
  'inbox',
] as const satisfies readonly (keyof StoreSession)[];

type Port = (typeof PORTS)[number];

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** A port whose async methods add their time to the running step's store (or outbox) time. */
function timedPort<T extends object>(port: T, outbox: boolean): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(port, {
    get(target, key) {
      const value = Reflect.get(target, key, target) as unknown;
      if (typeof value !== 'function') return value;
      let fn = wrapped.get(key);
      if (fn === undefined) {
        const method = value as (...args: unknown[]) => unknown;
        fn = function timed(...args: unknown[]): unknown {
          const times = currentStepTimes();
          if (times === undefined) return method.apply(target, args);
          const started = performance.now();
          const result = method.apply(target, args);
          if (!isThenable(result)) return result;
          const add = () => {
            const ms = performance.now() - started;
            if (outbox) times.outboxMs += ms;
            else times.storeMs += ms;
          };
          return Promise.resolve(result).finally(add);
        };
        wrapped.set(key, fn);
      }
      return fn;
    },
  });
}

function observedSession(session: StoreSession, telemetry: Telemetry, driver: string): StoreSession {
  const ports = {} as Record<Port, unknown>;
  for (const name of PORTS) ports[name] = timedPort(session[name], name === 'outbox');
  const events = ports.events as StoreSession['events'];
  const system = dbSystemOf(driver);
  const appended = (
    attributes: Attributes,
    count: number,
    append: () => Promise<unknown>,
  ): Promise<unknown> => {
    const started = performance.now();
    const run = () =>
      append().finally(() => {
        const base = { [ATTR.dbSystem]: system };
        telemetry.metrics?.appendDuration.record((performance.now() - started) / 1000, base);
        telemetry.metrics?.appendSize.record(count, base);
      });
    if (telemetry.tracer === undefined) return run();
    return telemetry.span(
      'append',
      SpanKind.CLIENT,
      { ...attributes, [ATTR.dbSystem]: system },
      context.active(),
      run,
    );
  };
  const observedEvents = Object.create(events) as StoreSession['events'];
  Object.assign(observedEvents, {
    appendToStream(stream: string, newEvents: readonly NewEvent[], options?: AppendOptions) {
      return appended(
        {
          [ATTR.dbOperation]: 'append',
          [ATTR.stream]: stream,
          [ATTR.eventCount]: Array.isArray(newEvents) ? newEvents.length : 0,
        },
        Array.isArray(newEvents) ? newEvents.length : 0,
        () => events.appendToStream(stream, newEvents, options),
      );
    },
    appendToStreams(appends: readonly StreamAppend[], options?: Omit<AppendOptions, 'expectedVersion'>) {
      const count = Array.isArray(appends)
        ? appends.reduce((n, a) => n + (Array.isArray(a?.events) ? a.events.length : 0), 0)
        : 0;
      return appended(
        {
          [ATTR.dbOperation]: 'append',
          [ATTR.streams]: Array.isArray(appends) ? appends.length : 0,
          [ATTR.eventCount]: count,
        },
        count,
        () => events.appendToStreams(appends, options),
      );
    },
  });
  return { ...(ports as unknown as StoreSession), events: observedEvents };
}

/** Wraps `store` so its work is observed by `telemetry` (see the module comment). */
export function withObservation(store: Store, telemetry: Telemetry): Store {
  const session = observedSession(store, telemetry, store.driver);
  return {
    ...session,
    driver: store.driver,
    transaction: (work) => store.transaction((tx) => work(observedSession(tx, telemetry, store.driver))),
    migrate: () => store.migrate(),
    close: () => store.close(),
    [Symbol.asyncDispose]: () => store.close(),
  };
}
