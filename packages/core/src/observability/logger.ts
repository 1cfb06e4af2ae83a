/**
 * The logger Whizbang writes through: the shape of pino's, so `whizbang({ logger: pino() })`
 * works as is, and any logger that offers the same methods can take its place. Without one, the
 * app writes pino-compatible JSON lines to stderr at `info` (see `jsonLogger`): core keeps to its
 * one dependency, and `@whizbang/otel`'s `pinoLogger()` gives the real thing.
 */
import { hostname } from 'node:os';
import { createRedactor, type Redactor } from './redact.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface LogFn {
  (bindings: object, message?: string): void;
  (message: string): void;
}

export interface Logger {
  /** The lowest level written; assign to change it at run time. */
  level: string;
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  /** A logger whose every line carries `bindings` as well. */
  child(bindings: Record<string, unknown>): Logger;
}

/** pino's numbers, so tools that read pino's output read ours. */
export const LOG_LEVELS: Readonly<Record<LogLevel, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Infinity,
};

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && Object.hasOwn(LOG_LEVELS, value);
}

export interface JsonLoggerOptions {
  /** Default `info`, or the `LOG_LEVEL` environment variable when it names a level. */
  readonly level?: LogLevel;
  /**
   * Masks secrets and PII in every line before it is written. Default: `createRedactor()`,
   * which masks passwords, tokens, API keys, authorization headers, cookies and card numbers at
   * any depth; pass `createRedactor({ paths: ['customer.email'] })` to add PII, or `false`.
   */
  readonly redact?: Redactor | false;
  /** Where lines go (default: stderr). */
  readonly write?: (line: string) => void;
  /** Fields on every line (default: pid and hostname, as pino writes them). */
  readonly base?: Readonly<Record<string, unknown>>;
}

/** An error as a log field: its name, message, code and stack (pino's `err` shape). */
function serializeError(error: Error): Record<string, unknown> {
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    message: error.message,
    ...(code !== undefined && { code }),
    stack: error.stack,
  };
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (value instanceof Error) return serializeError(value);
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** Shared by a logger and all its children, so setting the root's level reaches them all. */
interface LevelHolder {
  name: LogLevel;
  threshold: number;
}

class JsonLogger implements Logger {
  constructor(
    readonly holder: LevelHolder,
    readonly bindings: Readonly<Record<string, unknown>>,
    readonly redact: Redactor | undefined,
    readonly write: (line: string) => void,
  ) {}

  get level(): string {
    return this.holder.name;
  }
  set level(value: string) {
    if (!isLogLevel(value)) throw new RangeError(`Unknown log level '${value}'`);
    this.holder.name = value;
    this.holder.threshold = LOG_LEVELS[value];
  }

  #log(level: number, first: object | string, message?: string): void {
    if (level < this.holder.threshold) return;
    const fields = typeof first === 'string' ? undefined : first;
    const line: Record<string, unknown> = { level, time: Date.now(), ...this.bindings };
    if (fields instanceof Error) line['err'] = fields;
    else if (fields !== undefined) Object.assign(line, fields);
    const msg =
      typeof first === 'string' ? first : (message ?? (fields instanceof Error ? fields.message : undefined));
    if (msg !== undefined) line['msg'] = msg;
    const masked = this.redact === undefined ? line : this.redact(line);
    this.write(JSON.stringify(masked, jsonSafe) + '\n');
  }

  trace: LogFn = (first: object | string, message?: string) => this.#log(10, first, message);
  debug: LogFn = (first: object | string, message?: string) => this.#log(20, first, message);
  info: LogFn = (first: object | string, message?: string) => this.#log(30, first, message);
  warn: LogFn = (first: object | string, message?: string) => this.#log(40, first, message);
  error: LogFn = (first: object | string, message?: string) => this.#log(50, first, message);
  fatal: LogFn = (first: object | string, message?: string) => this.#log(60, first, message);

  child(bindings: Record<string, unknown>): Logger {
    return new JsonLogger(this.holder, { ...this.bindings, ...bindings }, this.redact, this.write);
  }
}

/**
 * A small logger that writes pino's line format (`level`, `time`, `pid`, `hostname`, fields,
 * `msg`) as JSON: the default when the app is given none.
 * @example
 * const logger = jsonLogger({ level: 'debug', redact: createRedactor({ paths: ['customer.email'] }) });
 * logger.info({ orderId }, 'order placed');
 */
export function jsonLogger(options: JsonLoggerOptions = {}): Logger {
  const fromEnv = process.env['LOG_LEVEL'];
  const level = options.level ?? (isLogLevel(fromEnv) ? fromEnv : 'info');
  if (!isLogLevel(level)) throw new RangeError(`Unknown log level '${String(level)}'`);
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  const base = options.base ?? { pid: process.pid, hostname: hostname() };
  const redact = options.redact === false ? undefined : (options.redact ?? createRedactor());
  return new JsonLogger({ name: level, threshold: LOG_LEVELS[level] }, base, redact, write);
}
