import { describe, expect, it } from 'vitest';
import { topologyBanner } from './topology-banner.js';

const nodes = [
  { name: 'payments', role: 'payments', pid: 11 },
  { name: 'daemon-1', role: 'daemon', pid: 12 },
  { name: 'api-1', role: 'api', pid: 13, url: 'http://127.0.0.1:3000' },
  { name: 'api-2', role: 'api', pid: 14, url: 'http://127.0.0.1:3001' },
] as const;
const where = {
  store: 'PostgreSQL postgres://127.0.0.1/test, schema orders',
  paymentsStore: 'PostgreSQL postgres://127.0.0.1/test, schema payments',
  broker: 'RabbitMQ amqp://127.0.0.1:5672',
};

describe('the topology banner', () => {
  it('names every node, what it runs, and where the data and the broker are', () => {
    expect(topologyBanner({ nodes, ...where, secret: { from: 'environment' } })).toEqual([
      'Whizbang orders topology running: 2 API nodes, 1 daemon node and the payment service',
      '  payments  pid 11  the payment service: its handlers, its saga, its consumers and relay',
      '  daemon-1  pid 12  projections, the reactor and sagas, the consumers and the outbox relay',
      '  api-1     pid 13  http://127.0.0.1:3000: the HTTP API and the outbox relay',
      '  api-2     pid 14  http://127.0.0.1:3001: the HTTP API and the outbox relay',
      "  orders' events in PostgreSQL postgres://127.0.0.1/test, schema orders",
      "  payments' events in PostgreSQL postgres://127.0.0.1/test, schema payments",
      '  broker: RabbitMQ amqp://127.0.0.1:5672',
      '  tokens: HS256 signed with ORDERS_JWT_SECRET',
      '  no demo data and no demo tokens (ORDERS_DEMO=1 for both)',
      '',
      'Each line of a node comes prefixed with its name. Ctrl+C stops every node.',
    ]);
  });

  it('in demo mode, places the curl example on the first API node and reads it back from the last', () => {
    const lines = topologyBanner({
      nodes,
      ...where,
      secret: { from: 'environment' },
      demo: {
        seeded: { created: 0, existing: 8 },
        tokens: [
          {
            tenantId: 'acme',
            customer: { customerId: 'ada', name: 'Ada' },
            customerToken: 'a.c',
            adminToken: 'a.a',
          },
          {
            tenantId: 'globex',
            customer: { customerId: 'linus', name: 'Linus' },
            customerToken: 'g.c',
            adminToken: 'g.a',
          },
        ],
        tokenLifetime: '24h',
        order: { orderId: 'o-1', items: [{ productId: 'mug', quantity: 1 }] },
      },
    });
    expect(lines).toContain(
      '  demo tenants acme and globex: 0 customers and products created, 8 already there',
    );
    expect(lines).toContain('export ACME_CUSTOMER=a.c');
    expect(lines.filter((line) => line.startsWith('curl') || line.startsWith('# Place'))).toEqual([
      '# Place an order as Ada of acme on http://127.0.0.1:3000, then read it back from http://127.0.0.1:3001:',
      `curl -X POST http://127.0.0.1:3000/orders -H "authorization: Bearer $ACME_CUSTOMER" -H 'content-type: application/json' -d '{"orderId":"o-1","customerId":"ada","items":[{"productId":"mug","quantity":1}]}'`,
      'curl http://127.0.0.1:3001/orders/o-1 -H "authorization: Bearer $ACME_CUSTOMER"',
      'curl http://127.0.0.1:3001/orders/o-1 -H "authorization: Bearer $GLOBEX_CUSTOMER"',
      'curl http://127.0.0.1:3001/orders -H "authorization: Bearer $ACME_ADMIN"',
    ]);
    expect(lines.at(-1)).toBe('Each line of a node comes prefixed with its name. Ctrl+C stops every node.');
  });
});
