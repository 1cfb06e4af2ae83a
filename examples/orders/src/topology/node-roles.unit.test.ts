import { memoryTransport } from '@whizbang/core';
import { describe, expect, it } from 'vitest';
import { describeRole, roleAppOptions } from './node-roles.js';

const transport = memoryTransport();

describe('the roles of the orders nodes', () => {
  it('keep the payment service in the process when there is no broker', () => {
    expect(roleAppOptions('all', undefined, { declineAboveCents: 10_00 })).toEqual({
      payments: { declineAboveCents: 10_00 },
    });
  });

  it('give API nodes the handlers and the relay, daemon nodes everything in the background', () => {
    expect(roleAppOptions('api', transport)).toEqual({
      messaging: { transport, runRelay: true, runConsumers: false },
      daemon: false,
    });
    expect(roleAppOptions('daemon', transport)).toEqual({
      messaging: { transport, runRelay: true, runConsumers: true },
    });
    expect(roleAppOptions('all', transport)).toEqual({
      messaging: { transport, runRelay: true, runConsumers: true },
    });
  });

  it('say what each runs', () => {
    expect(describeRole('api')).toBe('the HTTP API and the outbox relay');
    expect(describeRole('daemon')).toBe(
      'projections, the reactor and sagas, the consumers and the outbox relay',
    );
    expect(describeRole('all')).toBe(
      'the HTTP API, projections, the reactor and sagas, the consumers and the outbox relay',
    );
    expect(describeRole('payments')).toBe(
      'the payment service: its handlers, its saga, its consumers and relay',
    );
  });
});
