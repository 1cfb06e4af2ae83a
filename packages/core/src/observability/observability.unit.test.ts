import { describe, expect, it } from 'vitest';
import { whizbang } from '../app/whizbang.js';
import { handle } from '../mediator/handlers.js';
import { defineCommand, defineEvent, type } from '../messages/define.js';
import { memoryStore } from '../memory/memory-store.js';
import { jsonLogger } from './logger.js';
import type { BudgetViolation } from './telemetry.js';

function captured(level: 'trace' | 'info' = 'info') {
  const lines: Record<string, unknown>[] = [];
  const logger = jsonLogger({
    level,
    write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  return { lines, logger };
}

const Ping = defineCommand('Ping', { data: type<{ n: number; delayMs?: number }>(), result: type<number>() });
const Pinged = defineEvent('Pinged', { data: type<{ n: number }>() });

describe('jsonLogger', () => {
  it("writes pino's line format, with bindings, fields, the message and errors", () => {
    const { lines, logger } = captured();
    logger.child({ service: 'orders' }).info({ orderId: 'o-1' }, 'placed');
    logger.error({ err: Object.assign(new Error('boom'), { code: 'E_BOOM' }) }, 'failed');
    logger.debug('not written at info');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 30, service: 'orders', orderId: 'o-1', msg: 'placed' });
    expect(lines[0]).toHaveProperty('time', expect.any(Number));
    expect(lines[1]).toMatchObject({
      level: 50,
      msg: 'failed',
      err: { type: 'Error', message: 'boom', code: 'E_BOOM' },
    });
  });

  it('changes level at run time for the root and every child made before', () => {
    const { lines, logger } = captured();
    const child = logger.child({ a: 1 });
    child.debug('hidden');
    logger.level = 'debug';
    child.debug('shown');
    expect(lines.map((l) => l['msg'])).toEqual(['shown']);
    expect(() => (logger.level = 'loud')).toThrow(RangeError);
  });

  it('masks secrets by default, and PII through the redactor it is given', () => {
    const { lines, logger } = captured();
    logger.info(
      { user: { name: 'ada', password: 'hunter2' }, headers: { authorization: 'Bearer x' } },
      'login',
    );
    expect(lines[0]).toMatchObject({
      user: { name: 'ada', password: '[REDACTED]' },
      headers: { authorization: '[REDACTED]' },
    });
  });

  it('masks through the redactor it is given', () => {
    const lines: string[] = [];
    const logger = jsonLogger({
      write: (line) => lines.push(line),
      redact: (value) => JSON.parse(JSON.stringify(value).replaceAll('hunter2', '[REDACTED]')) as unknown,
    });
    logger.info({ password: 'hunter2' }, 'login');
    expect(lines[0]).not.toContain('hunter2');
  });
});

describe('logs in handlers', () => {
  it("gives handlers a logger whose lines carry the message's ids, tenant and type", async () => {
    const { lines, logger } = captured();
    const app = whizbang({
      store: memoryStore(),
      logger,
      handlers: [
        // #region handler-log
        handle(Ping, (command, ctx) => {
          ctx.log.info({ n: command.data.n }, 'pinging');
          return command.data.n;
        }),
        // #endregion
      ],
    });
    await app.send(Ping({ n: 1 }, { id: 'msg-1' }), {
      tenantId: 'acme',
      correlationId: 'corr-1',
      causationId: 'c-0',
    });
    expect(lines).toEqual([
      expect.objectContaining({
        msg: 'pinging',
        n: 1,
        messageType: 'Ping',
        messageId: 'msg-1',
        correlationId: 'corr-1',
        causationId: 'c-0',
        tenantId: 'acme',
      }),
    ]);
  });

  it('sets the log level at run time and refuses an unknown one', () => {
    const { logger } = captured();
    const app = whizbang({ store: memoryStore(), logger });
    app.setLogLevel('debug');
    expect(app.logger.level).toBe('debug');
    expect(() => app.setLogLevel('chatty' as 'debug')).toThrow(
      expect.objectContaining({ code: 'WHIZBANG_VALIDATION' }),
    );
  });
});

describe('performance budgets', () => {
  // #region budget
  const slowPing = handle(
    Ping,
    async (command, ctx) => {
      await ctx.store.events.appendToStream(`ping-${command.data.n}`, [Pinged({ n: command.data.n })]);
      await new Promise((resolve) => setTimeout(resolve, command.data.delayMs ?? 0));
      return command.data.n;
    },
    { name: 'slowPing', budget: { maxLatencyMs: 20 } },
  );
  // #endregion

  it('reports a handler over its budget with the breakdown, and stays quiet under it', async () => {
    const { lines, logger } = captured();
    const violations: BudgetViolation[] = [];
    const app = whizbang({
      store: memoryStore(),
      logger,
      handlers: [slowPing],
      observability: { onBudgetViolation: (v) => violations.push(v) },
    });
    await app.send(Ping({ n: 1, delayMs: 0 }));
    expect(violations).toEqual([]);
    await app.send(Ping({ n: 2, delayMs: 40 }), { tenantId: 't1' });
    expect(violations).toHaveLength(1);
    const violation = violations[0];
    expect(violation).toMatchObject({
      kind: 'command',
      messageType: 'Ping',
      handler: 'slowPing',
      maxLatencyMs: 20,
      tenantId: 't1',
    });
    expect(violation?.durationMs).toBeGreaterThan(20);
    expect(violation?.storeMs).toBeGreaterThan(0);
    expect(violation?.storeMs).toBeLessThan(violation?.durationMs ?? 0);
    expect(violation?.handlerMs).toBeGreaterThanOrEqual(30);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        event: 'whizbang.budget.exceeded',
        messageType: 'Ping',
        handler: 'slowPing',
      }),
    ]);
  });

  it('applies the default budget of a message kind, and a handler budget overrides it', async () => {
    const violations: BudgetViolation[] = [];
    const fast = handle(
      Ping,
      (command) => new Promise<number>((r) => setTimeout(() => r(command.data.n), 15)),
      {
        name: 'fast',
      },
    );
    // #region default-budgets
    const app = whizbang({
      store: memoryStore(),
      logger: captured().logger,
      handlers: [fast],
      observability: { budgets: { command: 5 }, onBudgetViolation: (v) => violations.push(v) },
    });
    // #endregion
    await app.send(Ping({ n: 1 }));
    expect(violations.map((v) => [v.handler, v.maxLatencyMs])).toEqual([['fast', 5]]);
  });

  it('refuses budgets that are not positive durations', () => {
    expect(() => handle(Ping, () => 1, { budget: { maxLatencyMs: 0 } })).toThrow(
      expect.objectContaining({ code: 'WHIZBANG_VALIDATION' }),
    );
    const made = () =>
      whizbang({ store: memoryStore(), observability: { budgets: { commands: 5 } as never } });
    expect(made).toThrow(expect.objectContaining({ code: 'WHIZBANG_VALIDATION' }));
  });
});
