/**
 * The route table: each route ties a method and a path to a command or query definition. The
 * message's data is bound from the path, the query string (GET and DELETE) and the JSON body,
 * then validated by the definition's schema when the mediator dispatches it.
 */
import type { CommandDefinition, QueryDefinition, ResultOf } from '@whizbang/core';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteOptions<R = unknown> {
  /** The status of a success (default 200; 204 when a command returns nothing). */
  readonly status?: number;
  /** Reachable without credentials (default false when the API authenticates). */
  readonly public?: boolean;
  /** A `Location` header from the result (with `status: 201`). */
  readonly location?: (result: R) => string;
  /**
   * Optimistic concurrency: the version in `If-Match: "<n>"` goes into this data field (say
   * `expectedVersion`), for the handler to append with. A stale version is then 412.
   */
  readonly ifMatch?: string | { readonly field: string; readonly required?: boolean };
  /** The version the `ETag` carries (default: the result's numeric `version`). */
  readonly etag?: (result: R) => number | string | undefined;
  /** Queries: a result that means "no such thing", sent as 404 (default: null or undefined). */
  readonly notFound?: (result: R) => boolean;
  /**
   * Answer an authorization refusal (`WHIZBANG_FORBIDDEN`) exactly as a thing that is not there:
   * 404 `WHIZBANG_NOT_FOUND`, nothing of the denial in it. For resources whose very existence is
   * private (another customer's order): a 403 would tell the caller that it exists. The app
   * still audits the denial.
   */
  readonly deniedAsNotFound?: boolean;
  /** For the OpenAPI document. */
  readonly summary?: string;
  readonly tags?: readonly string[];
}

type AnyDefinition = CommandDefinition | QueryDefinition;

export interface Route {
  readonly method: Method;
  readonly path: string;
  readonly definition: AnyDefinition;
  readonly options: RouteOptions<any>;
}

type ResultOfDefinition<D> = D extends (...args: any[]) => infer M ? ResultOf<M> : unknown;

/** Declares routes: `r.post('/orders', PlaceOrder, { status: 201 })`. */
export class RouteTable {
  readonly routes: Route[] = [];

  constructor(readonly prefix = '') {}

  get<D extends QueryDefinition>(
    path: string,
    query: D,
    options?: RouteOptions<ResultOfDefinition<D>>,
  ): this {
    return this.#add('get', path, query, options);
  }
  post<D extends AnyDefinition>(
    path: string,
    message: D,
    options?: RouteOptions<ResultOfDefinition<D>>,
  ): this {
    return this.#add('post', path, message, options);
  }
  put<D extends CommandDefinition>(
    path: string,
    command: D,
    options?: RouteOptions<ResultOfDefinition<D>>,
  ): this {
    return this.#add('put', path, command, options);
  }
  patch<D extends CommandDefinition>(
    path: string,
    command: D,
    options?: RouteOptions<ResultOfDefinition<D>>,
  ): this {
    return this.#add('patch', path, command, options);
  }
  delete<D extends CommandDefinition>(
    path: string,
    command: D,
    options?: RouteOptions<ResultOfDefinition<D>>,
  ): this {
    return this.#add('delete', path, command, options);
  }

  /** Routes under a common prefix, such as an API version: `r.group('/v2', (v2) => ...)`. */
  group(prefix: string, declare: (routes: RouteTable) => void): this {
    const nested = new RouteTable(this.prefix + normalize(prefix));
    declare(nested);
    this.routes.push(...nested.routes);
    return this;
  }

  #add(method: Method, path: string, definition: AnyDefinition, options: RouteOptions<any> = {}): this {
    if (typeof definition !== 'function' || (definition.kind !== 'command' && definition.kind !== 'query'))
      throw new TypeError(`Route ${method.toUpperCase()} ${path} needs a command or query definition`);
    if (method === 'get' && definition.kind !== 'query')
      throw new TypeError(`GET ${path} must serve a query: '${definition.type}' is a command`);
    this.routes.push({ method, path: this.prefix + normalize(path), definition, options });
    return this;
  }
}

function normalize(path: string): string {
  if (!path.startsWith('/')) throw new TypeError(`Route paths start with '/': '${path}'`);
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/** The `:name` parameters of a route path. */
export const pathParameters = (path: string): string[] =>
  [...path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
