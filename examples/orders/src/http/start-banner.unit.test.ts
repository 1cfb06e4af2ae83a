import { describe, expect, it } from 'vitest';
import { shellName, startBanner } from './start-banner.js';

describe('the start banner', () => {
  it('without the demo: where it listens and keeps its data, and no token', () => {
    expect(
      startBanner({
        url: 'http://127.0.0.1:3000',
        store: '/srv/orders.db (SQLite, kept between runs)',
        secret: { from: 'environment' },
      }),
    ).toEqual([
      'Whizbang orders service listening on http://127.0.0.1:3000',
      '  events in /srv/orders.db (SQLite, kept between runs)',
      '  tokens: HS256 signed with ORDERS_JWT_SECRET',
      '  no demo data and no demo tokens (ORDERS_DEMO=1 for both)',
      '',
      'More: http://127.0.0.1:3000/openapi.json, http://127.0.0.1:3000/metrics, http://127.0.0.1:3000/health/ready; load: ORDERS_URL=http://127.0.0.1:3000 npm run load',
      'Ctrl+C stops it.',
    ]);
  });

  it('as a node of a service split over processes: what it runs, and the broker', () => {
    const lines = startBanner({
      url: 'http://127.0.0.1:3001',
      store: 'PostgreSQL postgres://127.0.0.1/test, schema orders',
      secret: { from: 'environment' },
      distributed: { role: 'the HTTP API and the outbox relay', broker: 'RabbitMQ amqp://127.0.0.1:5672' },
    });
    expect(lines.slice(0, 3)).toEqual([
      'Whizbang orders service listening on http://127.0.0.1:3001',
      '  events in PostgreSQL postgres://127.0.0.1/test, schema orders',
      '  runs the HTTP API and the outbox relay; the payment service is reached over RabbitMQ amqp://127.0.0.1:5672',
    ]);
  });

  it('names shell variables after tenants', () => {
    expect(shellName('acme')).toBe('ACME');
    expect(shellName('big-shop_2')).toBe('BIG_SHOP_2');
  });
});
