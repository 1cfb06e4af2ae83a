import { describe, expect, it } from 'vitest';
import { shellName, startBanner } from './start-banner.js';

describe('the start banner', () => {
  it('without the demo: where it listens and keeps its data, and no token', () => {
    expect(
      startBanner({
        url: 'http://127.0.0.1:3000',
        dbPath: '/srv/orders.db',
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

  it('names shell variables after tenants', () => {
    expect(shellName('acme')).toBe('ACME');
    expect(shellName('big-shop_2')).toBe('BIG_SHOP_2');
  });
});
