/**
 * Errors at the HTTP edge: every failure leaves as `application/problem+json` (RFC 9457) with
 * the stable code of the core catalog, so clients switch on `code`, never on prose. Whizbang
 * errors below 500 say what the caller needs to act (stream, expected and actual version,
 * tenant, validation issues); anything else is a 500 that names only its correlation id.
 */
import { isWhizbangError, type WhizbangError } from '@whizbang/core';

/** The status of each catalog code a client can cause; unknown codes are 500. */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  WHIZBANG_VALIDATION: 400,
  WHIZBANG_TENANT_REQUIRED: 400,
  WHIZBANG_UNAUTHENTICATED: 401,
  WHIZBANG_FORBIDDEN: 403,
  WHIZBANG_CROSS_TENANT: 403,
  WHIZBANG_STREAM_NOT_FOUND: 404,
  WHIZBANG_DOCUMENT_NOT_FOUND: 404,
  WHIZBANG_NOT_FOUND: 404,
  WHIZBANG_CONCURRENCY: 409,
  WHIZBANG_DOCUMENT_CONFLICT: 409,
  WHIZBANG_STREAM_DELETED: 410,
  WHIZBANG_STREAM_ARCHIVED: 410,
  WHIZBANG_PAYLOAD_TOO_LARGE: 413,
  WHIZBANG_UNSUPPORTED_MEDIA_TYPE: 415,
  WHIZBANG_PRECONDITION_REQUIRED: 428,
  WHIZBANG_RATE_LIMITED: 429,
  WHIZBANG_TRANSPORT_UNAVAILABLE: 503,
};

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** A problem document (RFC 9457) with Whizbang's `code` and the ids to find the request by. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: string;
  readonly detail?: string;
  readonly instance?: string;
  readonly requestId?: string;
  readonly correlationId?: string;
  readonly [field: string]: unknown;
}

/** An error raised by the edge itself (bad JSON, too large, rate limited...), with its status. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Readonly<Record<string, unknown>> = {},
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpProblem';
  }
}

export const problemType = (code: string) =>
  `https://whizbang.dev/problems/${code
    .replace(/^WHIZBANG_/, '')
    .toLowerCase()
    .replaceAll('_', '-')}`;

/** Fields of a Whizbang error worth sending: what it carries, minus what the problem already says. */
function errorFields(error: WhizbangError): Record<string, unknown> {
  const { code: _code, name: _name, message: _message, ...fields } = error.toJSON();
  return fields;
}

export interface ProblemContext {
  readonly instance: string;
  readonly requestId: string;
  readonly correlationId: string;
  /** The request carried `If-Match`: a version conflict is then 412, not 409. */
  readonly conditional: boolean;
  /** Statuses for the application's own error codes. */
  readonly statusOf?: ((error: unknown) => number | undefined) | undefined;
}

/** The problem for `error`, and the headers that go with it. */
export function toProblem(
  error: unknown,
  context: ProblemContext,
): { problem: Problem; headers: Readonly<Record<string, string>> } {
  const ids = {
    instance: context.instance,
    requestId: context.requestId,
    correlationId: context.correlationId,
  };
  if (error instanceof HttpProblem) {
    return {
      problem: {
        type: problemType(error.code),
        title: TITLES[error.status] ?? 'Error',
        status: error.status,
        code: error.code,
        detail: error.message,
        ...error.fields,
        ...ids,
      },
      headers: error.headers,
    };
  }
  const custom = context.statusOf?.(error);
  if (isWhizbangError(error) || (custom !== undefined && error instanceof Error)) {
    const code = (error as { code?: unknown }).code;
    let status = custom ?? STATUS_BY_CODE[typeof code === 'string' ? code : ''] ?? 500;
    const versioned = code === 'WHIZBANG_CONCURRENCY' || code === 'WHIZBANG_DOCUMENT_CONFLICT';
    if (versioned && context.conditional) status = 412;
    if (status < 500 && typeof code === 'string') {
      const fields = isWhizbangError(error) ? errorFields(error) : {};
      return {
        problem: {
          type: problemType(code),
          title: TITLES[status] ?? 'Error',
          status,
          code,
          detail: error.message,
          ...fields,
          ...ids,
        },
        headers: {},
      };
    }
  }
  // Anything else may carry internals (SQL, paths, stack): the client gets the ids to quote.
  return {
    problem: {
      type: 'about:blank',
      title: TITLES[500]!,
      status: 500,
      code: 'WHIZBANG_INTERNAL',
      detail: `Something went wrong; quote correlation id ${context.correlationId}`,
      ...ids,
    },
    headers: {},
  };
}
