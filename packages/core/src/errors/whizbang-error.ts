/**
 * The base of every error Whizbang throws. Each subclass has a stable string `code` that
 * callers and the HTTP edge switch on; messages may change, codes do not.
 */
export abstract class WhizbangError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  /** A plain, serialisable view for logs, dead letters and problem+json bodies. */
  toJSON(): Record<string, unknown> {
    const fields: Record<string, unknown> = { code: this.code, name: this.name, message: this.message };
    for (const [key, value] of Object.entries(this)) {
      if (key !== 'cause') fields[key] = typeof value === 'bigint' ? value.toString() : value;
    }
    return fields;
  }
}

/**
 * True when `error` is any Whizbang error. Works across package copies and realms because it
 * checks the shape, not the prototype chain.
 */
export function isWhizbangError(error: unknown): error is WhizbangError {
  return (
    error instanceof Error &&
    typeof (error as { code?: unknown }).code === 'string' &&
    (error as unknown as { code: string }).code.startsWith('WHIZBANG_')
  );
}

/** Builds a guard for one error code; used for every `isXxxError` export. */
export function errorGuard<E extends WhizbangError>(code: E['code']): (error: unknown) => error is E {
  return (error: unknown): error is E => isWhizbangError(error) && error.code === code;
}
