/**
 * The OpenAPI 3.1 document of the route table, from the same schemas that validate requests.
 * A definition's schema gives its JSON Schema when it implements Standard JSON Schema (zod 4,
 * valibot, arktype do); one without a schema is described as any object.
 */
import type { Route } from './routes.js';
import { pathParameters } from './routes.js';

export interface OpenApiInfo {
  readonly title: string;
  readonly version: string;
  readonly description?: string;
}

interface JsonSchemaSource {
  readonly '~standard'?: {
    readonly jsonSchema?: { input(options: { target: string }): Record<string, unknown> };
  };
}

/** The JSON Schema (2020-12, OpenAPI 3.1's dialect) of a definition's input, if it can tell. */
function inputSchema(route: Route): Record<string, unknown> | undefined {
  const schema = route.definition.schema as JsonSchemaSource | undefined;
  const json = schema?.['~standard']?.jsonSchema;
  if (!json) return undefined;
  try {
    const { $schema: _dialect, ...rest } = json.input({ target: 'draft-2020-12' });
    return rest;
  } catch {
    return undefined; // a schema with parts JSON Schema cannot say (transforms): described loosely
  }
}

const PROBLEM = { $ref: '#/components/schemas/Problem' };
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: PROBLEM } },
});

/** The message type, made unique when one message is served by several routes (API versions). */
function operationId(route: Route, used: Set<string>): string {
  let id = route.definition.type;
  if (used.has(id)) id = `${id}_${route.method}${route.path.replace(/[^A-Za-z0-9]+/g, '_')}`;
  used.add(id);
  return id;
}

export function openApiDocument(
  routes: readonly Route[],
  info: OpenApiInfo,
  secured: boolean,
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const operationIds = new Set<string>();
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
    const params = pathParameters(route.path);
    const schema = inputSchema(route);
    const properties = (schema?.['properties'] ?? {}) as Record<string, unknown>;
    const parameters: unknown[] = params.map((name) => ({
      name,
      in: 'path',
      required: true,
      schema: properties[name] ?? { type: 'string' },
    }));
    const inQuery = route.method === 'get' || route.method === 'delete';
    if (inQuery)
      for (const [name, property] of Object.entries(properties))
        if (!params.includes(name))
          parameters.push({
            name,
            in: 'query',
            required: ((schema?.['required'] ?? []) as string[]).includes(name),
            schema: property,
          });
    const ifMatch = route.options.ifMatch;
    if (ifMatch !== undefined)
      parameters.push({
        name: 'If-Match',
        in: 'header',
        required: typeof ifMatch === 'object' && ifMatch.required === true,
        schema: { type: 'string', example: '"3"' },
      });
    const status = String(route.options.status ?? 200);
    paths[path] ??= {};
    paths[path][route.method] = {
      operationId: operationId(route, operationIds),
      ...(route.options.summary && { summary: route.options.summary }),
      ...(route.options.tags && { tags: route.options.tags }),
      ...(parameters.length > 0 && { parameters }),
      ...(!inQuery && {
        requestBody: {
          required: true,
          content: { 'application/json': { schema: schema ?? { type: 'object' } } },
        },
      }),
      responses: {
        [status]: { description: 'Success', content: { 'application/json': { schema: {} } } },
        '400': problem('The request is not valid'),
        ...(secured &&
          !route.options.public && { '401': problem('No valid credentials'), '403': problem('Not allowed') }),
        ...((route.definition.kind === 'query' || route.options.deniedAsNotFound === true) && {
          '404': problem('Not found'),
        }),
        ...(route.definition.kind === 'command' && { '409': problem('A conflicting change') }),
        ...(ifMatch !== undefined && { '412': problem('The version in If-Match is stale') }),
        '429': problem('Too many requests'),
        '500': problem('Unexpected error'),
      },
      ...(secured && route.options.public && { security: [] }),
    };
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'code'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            code: { type: 'string' },
            detail: { type: 'string' },
            instance: { type: 'string' },
            requestId: { type: 'string' },
            correlationId: { type: 'string' },
          },
        },
      },
      ...(secured && {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
        },
      }),
    },
    ...(secured && { security: [{ bearer: [] }, { apiKey: [] }] }),
  };
}
