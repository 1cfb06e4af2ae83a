import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serviceConfig } from './service-config.js';

const SECRET = 'a-secret-shared-with-the-identity-provider';

describe('the service settings', () => {
  it('suit npm start on a laptop when nothing is set: port 3000, ./data, a demo', () => {
    expect(serviceConfig({})).toEqual({
      port: 3000,
      dataDir: resolve('data'),
      dbPath: resolve('data', 'orders.db'),
      jwtSecret: undefined,
      jwtIssuer: 'https://id.orders.example/',
      jwtAudience: 'orders',
      demo: true,
      journeySampleRate: 1,
    });
    // An empty variable is an unset one, as in `ORDERS_JWT_SECRET= npm start`.
    expect(serviceConfig({ PORT: '', ORDERS_JWT_SECRET: '' })).toMatchObject({ port: 3000, demo: true });
  });

  it('take the environment: a data directory, a database path, a real secret turns the demo off', () => {
    const config = serviceConfig({
      PORT: '0',
      ORDERS_DATA_DIR: '/srv/orders',
      ORDERS_JWT_SECRET: SECRET,
      ORDERS_JWT_ISSUER: 'https://id.example.com/',
      ORDERS_JWT_AUDIENCE: 'shop',
      ORDERS_JOURNEY_SAMPLE_RATE: '0.1',
    });
    expect(config).toEqual({
      port: 0,
      dataDir: '/srv/orders',
      dbPath: join('/srv/orders', 'orders.db'),
      jwtSecret: SECRET,
      jwtIssuer: 'https://id.example.com/',
      jwtAudience: 'shop',
      demo: false,
      journeySampleRate: 0.1,
    });
    expect(serviceConfig({ ORDERS_DB: 'elsewhere/o.db' }).dbPath).toBe(resolve('elsewhere/o.db'));
    expect(serviceConfig({ ORDERS_JWT_SECRET: SECRET, ORDERS_DEMO: '1' }).demo).toBe(true);
    expect(serviceConfig({ ORDERS_DEMO: '0' }).demo).toBe(false);
  });

  it('refuse bad values all at once, naming each variable', () => {
    expect(() =>
      serviceConfig({
        PORT: 'http',
        ORDERS_JWT_SECRET: 'short',
        ORDERS_DEMO: 'yes',
        ORDERS_JOURNEY_SAMPLE_RATE: '2',
      }),
    ).toThrow(
      'Invalid environment: PORT: must be a port number, 0-65535; ' +
        'ORDERS_JWT_SECRET: must be at least 32 bytes (leave it unset for a development secret); ' +
        'ORDERS_DEMO: must be 0 or 1; ' +
        'ORDERS_JOURNEY_SAMPLE_RATE: must be the share of journeys to record, from 0 to 1',
    );
    expect(() => serviceConfig({ PORT: '70000' })).toThrow(/PORT/);
  });
});
