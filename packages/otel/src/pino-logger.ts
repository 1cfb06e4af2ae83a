/**
 * A pino logger with Whizbang's defaults: the level from `LOG_LEVEL`, secrets censored at any
 * depth, the service named on every line, and the active span's ids on every line so logs and
 * traces find each other. It is a plain pino instance: pass it to `whizbang({ logger })`.
 */
import { hostname } from 'node:os';
import { createRedactor, ValidationError } from '@whizbang/core';
import { pino, type DestinationStream, type Logger } from 'pino';
import { traceFields } from './trace-fields.js';

export interface PinoLoggerOptions {
  /** The lowest level written; default `LOG_LEVEL`, then `info`. */
  readonly level?: string;
  /** Written as `service` on every line; default `OTEL_SERVICE_NAME`, if set. */
  readonly serviceName?: string;
  /**
   * More key names censored at any depth, matched like the built-in secret keys (case and
   * `-`/`_` ignored, by suffix): `['email', 'iban']` censors `email` and `customerEmail`.
   */
  readonly redactKeys?: readonly string[];
  /**
   * pino `redact` paths for personal data at known places (`'customer.address'`,
   * `'items[*].card'`). Prefer paths without a leading `*`: pino checks those on every key of
   * every line.
   */
  readonly redact?: readonly string[];
  /** Where lines go; default standard output. */
  readonly destination?: DestinationStream;
}

/** The censor pino's own `redact` paths write, so both kinds of masking look the same. */
const REDACTED = '[Redacted]';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

function levelOf(options: PinoLoggerOptions): string {
  const [level, from] =
    options.level === undefined ? [process.env.LOG_LEVEL || 'info', 'LOG_LEVEL'] : [options.level, 'level'];
  if (!(LEVELS as readonly string[]).includes(level)) {
    throw new ValidationError(
      [{ message: `'${level}' is not a log level; use one of ${LEVELS.join(', ')}`, path: [from] }],
      'logger options',
    );
  }
  return level;
}

/**
 * A pino logger configured the Whizbang way.
 *
 * @example
 * ```ts
 * const logger = pinoLogger({ serviceName: 'orders', redactKeys: ['email'] });
 * const app = whizbang({ store, handlers, logger });
 * logger.info({ orderId, authorization: header }, 'order placed'); // authorization: "[Redacted]"
 * ```
 */
export function pinoLogger(options: PinoLoggerOptions = {}): Logger {
  const level = levelOf(options);
  const serviceName = options.serviceName ?? (process.env.OTEL_SERVICE_NAME || undefined);
  const redact = createRedactor({ keys: options.redactKeys ?? [], censor: REDACTED });
  const redactSecrets = <T extends object>(value: T): T => redact(value) as T;
  const logger = pino(
    {
      level,
      base: {
        pid: process.pid,
        hostname: hostname(),
        ...(serviceName === undefined ? {} : { service: serviceName }),
      },
      mixin: traceFields,
      formatters: { bindings: redactSecrets, log: redactSecrets },
      ...(options.redact === undefined ? {} : { redact: [...options.redact] }),
    },
    options.destination,
  );
  // pino applies `formatters.bindings` to the base only, not to `child()` bindings; a child is
  // `Object.create(parent)`, so this one override covers every descendant.
  type Child = (this: Logger, bindings: pino.Bindings, options?: pino.ChildLoggerOptions) => Logger;
  const child = Object.getPrototypeOf(logger).child as Child;
  const censoredChild: Child = function (bindings, childOptions) {
    return child.call(this, redactSecrets(bindings), childOptions);
  };
  Object.defineProperty(logger, 'child', { value: censoredChild });
  return logger;
}
