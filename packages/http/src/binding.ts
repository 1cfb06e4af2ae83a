/**
 * From a request to a message's data: path parameters, then the query string (GET, DELETE) or
 * the JSON body (POST, PUT, PATCH), then the `If-Match` version. What cannot be bound cleanly is
 * refused here, before anything runs: malformed JSON, a body that is not an object, a body field
 * contradicting the path (`PUT /orders/1` with `{ "orderId": "2" }`), ids that could walk a path.
 */
import { HttpProblem } from './problem.js';
import type { Route } from './routes.js';

const invalid = (message: string, path: string) =>
  new HttpProblem(400, 'WHIZBANG_VALIDATION', message, { issues: [{ message, path: [path] }] });

// Path parameters become stream names and document ids: printable, no separators, no `..`.
const SAFE_SEGMENT = /^[A-Za-z0-9._~:@+-]{1,200}$/;

export interface RequestParts {
  readonly method: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string[]>>;
  readonly contentType: string | undefined;
  readonly text: () => Promise<string>;
  readonly ifMatch: string | undefined;
}

/** `"12"` or `W/"12"` → 12. */
export function parseVersionTag(header: string): number | undefined {
  const match = /^(?:W\/)?"(\d{1,15})"$/.exec(header.trim());
  return match ? Number(match[1]) : undefined;
}

async function body(parts: RequestParts): Promise<Record<string, unknown>> {
  const text = await parts.text();
  if (text.trim().length === 0) return {};
  const type = parts.contentType?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json' && !type?.endsWith('+json'))
    throw new HttpProblem(415, 'WHIZBANG_UNSUPPORTED_MEDIA_TYPE', 'the body must be application/json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid('the body is not valid JSON', 'body');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw invalid('the body must be a JSON object', 'body');
  return parsed as Record<string, unknown>;
}

/** The message data for `route` from the request's parts. */
export async function bindData(route: Route, parts: RequestParts): Promise<Record<string, unknown>> {
  const data: Record<string, unknown> =
    route.method === 'get' || route.method === 'delete'
      ? Object.fromEntries(
          Object.entries(parts.query).map(([key, values]) => [key, values.length === 1 ? values[0] : values]),
        )
      : await body(parts);
  for (const [name, value] of Object.entries(parts.params)) {
    if (name === 'whizbangTenant') continue;
    if (!SAFE_SEGMENT.test(value) || value === '.' || value === '..' || value.includes('..'))
      throw invalid(`'${name}' in the path is not a valid id`, name);
    if (name in data && data[name] !== value)
      throw invalid(`'${name}' is given by the path and may not differ in the request`, name);
    data[name] = value;
  }
  const ifMatch = route.options.ifMatch;
  if (ifMatch !== undefined) {
    const field = typeof ifMatch === 'string' ? ifMatch : ifMatch.field;
    const required = typeof ifMatch === 'object' && ifMatch.required === true;
    if (parts.ifMatch === undefined) {
      if (required)
        throw new HttpProblem(
          428,
          'WHIZBANG_PRECONDITION_REQUIRED',
          'send If-Match with the version you read',
        );
      delete data[field]; // only the header sets it: a body cannot skip the check
    } else {
      const version = parseVersionTag(parts.ifMatch);
      if (version === undefined) throw invalid('If-Match must be a version tag such as "3"', 'If-Match');
      data[field] = version;
    }
  }
  return data;
}
