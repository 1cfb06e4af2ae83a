import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { isValidationError } from '@whizbang/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { pinoLogger, type PinoLoggerOptions } from './pino-logger.js';
import { setupObservability } from './setup-observability.js';

/** A logger that writes into an array, one parsed object per line. */
function capture(options: Omit<PinoLoggerOptions, 'destination'> = {}) {
  const lines: Record<string, any>[] = [];
  const logger = pinoLogger({ ...options, destination: { write: (line) => lines.push(JSON.parse(line)) } });
  return { logger, lines };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('pinoLogger', () => {
  it('censors secrets at any depth, in arrays and errors, without touching the caller’s object', () => {
    const { logger, lines } = capture();
    const failure = Object.assign(new Error('upstream refused'), {
      config: { headers: { Authorization: 'Bearer e' } },
    });
    const input = {
      orderId: 'o-1',
      password: 'p',
      user: { name: 'Ada', apiKey: 'k', profile: { settings: { clientSecret: 's', theme: 'dark' } } },
      req: {
        headers: { authorization: 'Bearer t', cookie: 'sid=1', 'set-cookie': ['a=1'], 'x-api-key': 'k2' },
      },
      tokens: [{ accessToken: 'a', refresh_token: 'r', tokenType: 'bearer' }],
      err: failure,
    };

    logger.info(input, 'order placed');

    const [line] = lines;
    expect(line).toMatchObject({
      msg: 'order placed',
      orderId: 'o-1',
      password: '[Redacted]',
      user: {
        name: 'Ada',
        apiKey: '[Redacted]',
        profile: { settings: { clientSecret: '[Redacted]', theme: 'dark' } },
      },
      req: {
        headers: {
          authorization: '[Redacted]',
          cookie: '[Redacted]',
          'set-cookie': '[Redacted]',
          'x-api-key': '[Redacted]',
        },
      },
      tokens: [{ accessToken: '[Redacted]', refresh_token: '[Redacted]', tokenType: 'bearer' }],
      err: {
        type: 'Error',
        message: 'upstream refused',
        config: { headers: { Authorization: '[Redacted]' } },
      },
    });
    expect(line?.err.stack).toContain('upstream refused');
    expect(JSON.stringify(line)).not.toMatch(/Bearer|sid=1|"[pks]"|"k2"/);
    // The caller's objects are not changed.
    expect(input.password).toBe('p');
    expect(input.req.headers.authorization).toBe('Bearer t');
    expect(failure.config.headers.Authorization).toBe('Bearer e');
  });

  it('censors secrets in child bindings', () => {
    const { logger, lines } = capture();
    const child = logger.child({ tenantId: 't-1', token: 'secret-token' });
    child.info('hello');
    child.child({ db: { password: 'p' } }, { level: 'debug' }).debug('grandchild');
    expect(lines[0]).toMatchObject({ tenantId: 't-1', token: '[Redacted]', msg: 'hello' });
    expect(lines[1]).toMatchObject({
      tenantId: 't-1',
      token: '[Redacted]',
      db: { password: '[Redacted]' },
      msg: 'grandchild',
    });
  });

  it('censors PII by key (redactKeys) and by path (redact)', () => {
    const { logger, lines } = capture({
      redactKeys: ['email'],
      redact: ['customer.address', 'items[*].card'],
    });
    logger.info({
      customer: { email: 'ada@example.com', address: '1 Main St', name: 'Ada' },
      billingEmail: 'b@example.com',
      items: [{ sku: 'x', card: '4111' }],
    });
    expect(lines[0]).toMatchObject({
      customer: { email: '[Redacted]', address: '[Redacted]', name: 'Ada' },
      billingEmail: '[Redacted]',
      items: [{ sku: 'x', card: '[Redacted]' }],
    });
  });

  it('puts the active span’s trace_id and span_id on every line, and nothing outside a span', async () => {
    const spans = new InMemorySpanExporter();
    const telemetry = setupObservability({
      serviceName: 'orders',
      otlp: false,
      spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
    });
    try {
      const { logger, lines } = capture();
      const child = logger.child({ component: 'mediator' });
      trace.getTracer('x').startActiveSpan('PlaceOrder', (span) => {
        logger.info('inside');
        child.warn({ password: 'p' }, 'child inside');
        span.end();
      });
      logger.info('outside');

      const ids = spans.getFinishedSpans()[0]?.spanContext();
      expect(ids?.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(lines[0]).toMatchObject({
        msg: 'inside',
        trace_id: ids?.traceId,
        span_id: ids?.spanId,
        trace_flags: '01',
      });
      expect(lines[1]).toMatchObject({
        msg: 'child inside',
        component: 'mediator',
        trace_id: ids?.traceId,
        password: '[Redacted]',
      });
      expect(lines[2]).not.toHaveProperty('trace_id');
      expect(lines[2]).not.toHaveProperty('span_id');
    } finally {
      await telemetry.shutdown();
    }
  });

  it('names the service and takes its level from LOG_LEVEL, defaulting to info', () => {
    vi.stubEnv('LOG_LEVEL', 'warn');
    const { logger, lines } = capture({ serviceName: 'orders' });
    logger.info('dropped');
    logger.warn('kept');
    expect(logger.level).toBe('warn');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'kept', level: 40, service: 'orders', pid: process.pid });

    vi.stubEnv('LOG_LEVEL', '');
    expect(capture().logger.level).toBe('info');
    expect(capture({ level: 'debug' }).logger.level).toBe('debug');
  });

  it('refuses a level pino does not know, naming where it came from', () => {
    vi.stubEnv('LOG_LEVEL', 'verbose');
    let error: unknown;
    try {
      capture();
    } catch (e) {
      error = e;
    }
    expect(isValidationError(error)).toBe(true);
    expect((error as Error).message).toContain("LOG_LEVEL: 'verbose' is not a log level");
  });
});
