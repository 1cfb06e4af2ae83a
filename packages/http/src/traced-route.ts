/**
 * Each route's requests as `SERVER` spans named `<METHOD> <route>`, continuing the caller's trace
 * (W3C `traceparent`, or whatever propagator the application registered), with the HTTP semantic
 * convention attributes, and timed in `http.server.request.duration`. The command or query a
 * request becomes runs inside the span, so its spans are children of it.
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Context as HonoContext } from 'hono';
import { errorAttributes, type Telemetry } from '@whizbang/core';

type Handler<C extends HonoContext> = (c: C) => Promise<Response>;

const headerGetter = {
  keys: (carrier: HonoContext) => Object.keys(carrier.req.header()),
  get: (carrier: HonoContext, key: string) => carrier.req.header(key),
};

export function tracedRoute<C extends HonoContext>(
  telemetry: Telemetry,
  fail: (c: C, error: unknown) => Response,
): (route: string, handler: Handler<C>) => Handler<C> {
  const { tracer, metrics } = telemetry;
  if (tracer === undefined && metrics === undefined) return (_route, handler) => handler;
  return (route, handler) => async (c) => {
    const method = c.req.method;
    const started = performance.now();
    const span = tracer?.startSpan(
      `${method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': method,
          'http.route': route,
          'url.path': c.req.path,
          'url.scheme': new URL(c.req.url).protocol.replace(':', ''),
          ...(c.req.header('user-agent') !== undefined && {
            'user_agent.original': c.req.header('user-agent'),
          }),
        },
      },
      propagation.extract(ROOT_CONTEXT, c, headerGetter),
    );
    let response: Response;
    let failure: unknown;
    try {
      response =
        span === undefined
          ? await handler(c)
          : await context.with(trace.setSpan(context.active(), span), handler, undefined, c);
    } catch (error) {
      failure = error;
      response = fail(c, error);
    }
    const status = response.status;
    metrics?.httpDuration.record((performance.now() - started) / 1000, {
      'http.request.method': method,
      'http.route': route,
      'http.response.status_code': status,
    });
    if (span !== undefined) {
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) {
        span.setAttributes(
          failure === undefined ? { 'error.type': String(status) } : errorAttributes(failure),
        );
        if (failure instanceof Error) span.recordException(failure);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    }
    return response;
  };
}
