/**
 * How NATS failures reach the caller: as Whizbang errors that say what happened and what to do.
 */
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { TransportUnavailableError } from '@whizbang/core';

/**
 * The server could not be reached, or did not answer in time. Nothing is known to have
 * happened: retry, and for `publish` send the same message ids again (JetStream and the inbox
 * make the repeat harmless).
 */
export class NatsUnavailableError extends TransportUnavailableError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('nats', message, options);
  }
}

export const isNotFound = (error: unknown): boolean =>
  error instanceof JetStreamApiError &&
  (error.code === JetStreamApiCodes.StreamNotFound || error.code === JetStreamApiCodes.ConsumerNotFound);

/** Deleting a message someone else deleted first: 10057 ("delete failed") saying why, on 2.9 and later. */
export const isAlreadyDeleted = (error: unknown): boolean =>
  error instanceof JetStreamApiError &&
  (error.code === JetStreamApiCodes.NoMessageFound ||
    (error.code === 10057 && /no message found/i.test(error.apiError().description)));

export const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));
