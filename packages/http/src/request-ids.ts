/**
 * Request and correlation ids: taken from the caller when well formed (so a journey started
 * upstream keeps its id), made up otherwise, and echoed on every response.
 */
import { uuidv7 } from '@whizbang/core';

export const REQUEST_ID_HEADER = 'x-request-id';
export const CORRELATION_ID_HEADER = 'x-correlation-id';

// Ids end up in logs and headers: nothing that could split a header or a log line.
const SAFE_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

export function idFrom(header: string | undefined): string {
  return header !== undefined && SAFE_ID.test(header) ? header : uuidv7();
}
