import { afterEach, describe, expect, it } from 'vitest';
import { whizbang, type WhizbangApp } from '../app/whizbang.js';
import { handle } from '../mediator/handlers.js';
import { defineCommand, type } from '../messages/define.js';
import type { Envelope } from '../messages/envelope.js';
import { memoryStore } from '../memory/memory-store.js';
import { encodeEnvelope } from '../messaging/envelope-codec.js';
import { MemoryBroker, memoryTransport } from '../transport/memory-transport.js';
import type { AuthorizationDenial } from './authorization-denial.js';

const RefundPayment = defineCommand('RefundPayment', { data: type<{ paymentId: string }>() });

async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const started: WhizbangApp[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((app) => app.stop()));
});

function refund(paymentId: string, principalRoles: readonly string[] | undefined): Envelope {
  return {
    id: `m-${paymentId}`,
    type: RefundPayment.type,
    data: { paymentId },
    metadata: {
      correlationId: `journey-${paymentId}`,
      tenantId: 'acme',
      timestamp: Date.now(),
      ...(principalRoles !== undefined && { principal: { id: 'u-9', roles: principalRoles } }),
    },
  };
}

describe('authorization of messages that arrive from elsewhere', () => {
  it('denies a command from the transport once: audited, not handled, parked without retries', async () => {
    const broker = new MemoryBroker();
    const store = memoryStore();
    const refunded: string[] = [];
    const denials: AuthorizationDenial[] = [];
    const errors: unknown[] = [];
    const app = whizbang({
      store,
      messaging: {
        transport: memoryTransport({ broker }),
        service: 'billing',
        retry: { maxAttempts: 5, initialDelayMs: 5, maxDelayMs: 20 },
        onError: (error) => void errors.push(error),
      },
      handlers: [
        handle(RefundPayment, (command) => void refunded.push(command.data.paymentId), {
          permissions: ['payments:refund'],
        }),
      ],
      authorization: {
        roles: { finance: ['payments:*'] },
        audit: (denial) => void denials.push(denial),
      },
    });
    await app.start();
    started.push(app);
    await memoryTransport({ broker }).publish('billing.commands', [
      encodeEnvelope('command', refund('p-denied', ['clerk'])),
      encodeEnvelope('command', refund('p-anonymous', undefined)),
      encodeEnvelope('command', refund('p-allowed', ['finance'])),
    ]);
    await until(
      () => app.consumer!.handled + app.consumer!.deadLettered === 3,
      'every message to be handled or parked',
    );
    expect(refunded).toEqual(['p-allowed']);
    const letters = await store.deadLetters.list({ source: 'messages/billing' });
    expect(
      letters
        .map((l) => [l.messageId, l.tenantId, l.attempts, l.error.code])
        .toSorted((a, b) => String(a[0]).localeCompare(String(b[0]))),
    ).toEqual([
      ['m-p-anonymous', 'acme', 1, 'WHIZBANG_UNAUTHENTICATED'],
      ['m-p-denied', 'acme', 1, 'WHIZBANG_FORBIDDEN'],
    ]);
    // One attempt each: a denial is permanent, so neither was retried (nor audited twice).
    expect(errors).toHaveLength(2);
    expect(
      denials.map((d) => [d.messageId, d.principalId, d.tenantId, d.correlationId, d.permission]),
    ).toEqual(
      expect.arrayContaining([
        ['m-p-denied', 'u-9', 'acme', 'journey-p-denied', 'payments:refund'],
        ['m-p-anonymous', undefined, 'acme', 'journey-p-anonymous', undefined],
      ]),
    );
    expect(denials).toHaveLength(2);
  });

  it('denies a scheduled command delivered without a broker, as the principal who scheduled it', async () => {
    const refunded: string[] = [];
    const denials: AuthorizationDenial[] = [];
    const app = whizbang({
      store: memoryStore(),
      localDelivery: { relay: { pollIntervalMs: 10 }, retry: { maxAttempts: 5, initialDelayMs: 5 } },
      handlers: [
        handle(RefundPayment, (command) => void refunded.push(command.data.paymentId), {
          permissions: ['payments:refund'],
        }),
      ],
      authorization: { roles: { finance: ['payments:refund'] }, audit: (d) => void denials.push(d) },
    });
    await app.start();
    started.push(app);
    const clerk = { principal: { id: 'u-1', roles: ['clerk'] }, delayMs: 0 };
    await app.schedule(RefundPayment({ paymentId: 'p-1' }), clerk);
    await app.schedule(RefundPayment({ paymentId: 'p-2' }), {
      ...clerk,
      principal: { id: 'u-2', roles: ['finance'] },
    });
    await until(
      async () => (await app.store.deadLetters.list()).length === 1 && refunded.length === 1,
      'delivery',
    );
    expect(refunded).toEqual(['p-2']);
    const [letter] = await app.store.deadLetters.list();
    expect(letter).toMatchObject({
      messageType: 'RefundPayment',
      attempts: 1,
      error: { code: 'WHIZBANG_FORBIDDEN' },
    });
    expect(denials.map((d) => d.principalId)).toEqual(['u-1']);
  });
});
