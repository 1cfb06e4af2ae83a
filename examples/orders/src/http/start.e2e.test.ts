/**
 * `npm start`, as a process: the built entry, on a fresh data directory and a free port, prints
 * its URL, each demo tenant's tokens and a curl example; the curl lines do what they say; SIGTERM
 * stops it cleanly. Started again on the same directory, it seeds nothing new and keeps its
 * secret and its data, so the first run's tokens and order are still good.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceProcess, type ServiceProcess } from '../load/service-process.js';
import { DEVELOPMENT_SECRET_FILE } from './development-secret.js';
import { curlRequest, exportedVariables, sendCurl, type CurlRequest } from './test-support/shell-lines.js';

const entry = fileURLToPath(new URL('../../dist/http/main.js', import.meta.url));
const BANNER_END = /^Ctrl\+C stops it\.$/;

describe('npm start', () => {
  let dataDir: string;
  const running = new Set<ServiceProcess>();
  beforeAll(() => {
    if (!existsSync(entry)) throw new Error(`${entry} is missing: build first (npx tsc -b; npm test does)`);
    dataDir = mkdtempSync(join(tmpdir(), 'orders-start-'));
  });
  afterAll(async () => {
    for (const service of running) await service.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Starts the entry as `npm start` does, on `dataDir`, whatever this shell's ORDERS_* say. */
  async function start(): Promise<ServiceProcess> {
    const service = await startServiceProcess({
      entry,
      env: { PORT: '0', ORDERS_DATA_DIR: dataDir, ORDERS_DB: '', ORDERS_JWT_SECRET: '', ORDERS_DEMO: '' },
    });
    running.add(service);
    await service.waitForLine(BANNER_END);
    return service;
  }
  async function stop(service: ServiceProcess, signal: NodeJS.Signals): Promise<number | null> {
    const code = await service.stop(signal);
    running.delete(service);
    return code;
  }

  it('prints what a newcomer needs, and what it prints works; SIGTERM stops it', async () => {
    const service = await start();
    const { lines, url } = service;
    expect(lines[0]).toMatch(/^Whizbang orders service listening on http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines).toContain(`  events in ${join(dataDir, 'orders.db')} (SQLite, kept between runs)`);
    const secretPath = join(dataDir, DEVELOPMENT_SECRET_FILE);
    expect(lines).toContain(
      `  tokens: HS256 signed with a development secret made now and kept in ${secretPath} (set ORDERS_JWT_SECRET to use your own)`,
    );
    expect(lines).toContain(
      '  demo tenants acme and globex: 8 customers and products created, 0 already there',
    );
    expect(lines.join('\n')).not.toContain(readFileSync(secretPath, 'utf8').trim());

    // A customer's and an admin's token for each tenant.
    const tokens = exportedVariables(lines);
    expect(Object.keys(tokens)).toEqual(['ACME_CUSTOMER', 'ACME_ADMIN', 'GLOBEX_CUSTOMER', 'GLOBEX_ADMIN']);
    const claims = (name: string) => decodeJwt(tokens[name] ?? '');
    expect(claims('ACME_CUSTOMER')).toMatchObject({ tenant_id: 'acme', sub: 'ada', roles: ['customer'] });
    expect(claims('ACME_ADMIN')).toMatchObject({ tenant_id: 'acme', roles: ['admin'] });
    expect(claims('GLOBEX_CUSTOMER')).toMatchObject({
      tenant_id: 'globex',
      sub: 'linus',
      roles: ['customer'],
    });
    expect(claims('GLOBEX_ADMIN')).toMatchObject({ tenant_id: 'globex', roles: ['admin'] });

    // The curl lines: place an order, read it back, the other tenant cannot, the admin lists it.
    const curls = lines.filter((line) => line.startsWith('curl ')).map((line) => curlRequest(line, tokens));
    expect(curls.map((c) => `${c.method} ${c.url.replace(url, '')}`)).toEqual([
      'POST /orders',
      expect.stringMatching(/^GET \/orders\/[0-9a-f-]{36}$/),
      expect.stringMatching(/^GET \/orders\/[0-9a-f-]{36}$/),
      'GET /orders',
    ]);
    const [place, read, otherTenant, everyOrder] = curls as [
      CurlRequest,
      CurlRequest,
      CurlRequest,
      CurlRequest,
    ];
    const placed = await sendCurl(place);
    expect(placed.status).toBe(201);
    const { orderId } = (await placed.json()) as { orderId: string };
    const order = await sendCurl(read);
    expect(order.status).toBe(200);
    expect(await order.json()).toMatchObject({
      orderId,
      customerId: 'ada',
      // Placed, and paid (confirmed) as soon as the fulfillment saga has heard back from payments.
      status: expect.stringMatching(/^(pending|confirmed)$/),
      items: [{ productId: 'espresso-beans', quantity: 1 }],
    });
    expect((await sendCurl(otherTenant)).status).toBe(404);
    const listed = await sendCurl(everyOrder);
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { orders: { orderId: string }[] }).orders).toContainEqual(
      expect.objectContaining({ orderId, customerId: 'ada' }),
    );

    expect(await stop(service, 'SIGTERM')).toBe(0);
    expect(lines.slice(-2)).toEqual([
      'SIGTERM: finishing the requests in flight, then stopping.',
      'Stopped.',
    ]);

    // Again, on the same directory: nothing seeded twice, the same secret, the same data.
    const again = await start();
    expect(again.lines).toContain(
      `  tokens: HS256 signed with a development secret kept in ${secretPath} (set ORDERS_JWT_SECRET to use your own)`,
    );
    expect(again.lines).toContain(
      '  demo tenants acme and globex: 0 customers and products created, 8 already there',
    );
    const kept = await sendCurl({ ...read, url: read.url.replace(url, again.url) });
    expect(kept.status).toBe(200);
    // Kept, and paid by now: the payment went through before the first run stopped, or after
    // this one started.
    expect(await kept.json()).toMatchObject({
      orderId,
      status: expect.stringMatching(/^(pending|confirmed)$/),
    });
    expect(await stop(again, 'SIGINT')).toBe(0);
  });
});
