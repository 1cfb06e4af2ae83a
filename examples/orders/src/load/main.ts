/**
 * `npm run load` from the repository root: drives an orders service, as `npm start` runs it
 * (payment confirms the orders), with the shop's mix (mix.ts) for a fixed time and prints
 * throughput, p50/p99 latency per operation and overall, the refusals the mix meets by design
 * (lost races), and the errors by status.
 *
 * - ORDERS_URL: the service to drive (`npm start` prints it). Its tokens are signed here with
 *   ORDERS_JWT_SECRET, or else with the development secret in ORDERS_DATA_DIR (default `data`,
 *   where `npm start` keeps it); ORDERS_JWT_ISSUER and ORDERS_JWT_AUDIENCE as the service's.
 * - Without ORDERS_URL it starts a service of its own, as `npm start` does but in a throwaway
 *   data directory, with a token secret of its own and without demo data, drives it, and stops
 *   it: a separate process, so the client's work does not count as the service's.
 * - LOAD_SECONDS (default 10), LOAD_CONNECTIONS (default 8), LOAD_WARMUP_SECONDS (default 1).
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { ValidationError, type ValidationIssue } from '@whizbang/core';
import { keptDevelopmentSecret } from '../http/development-secret.js';
import type { OrdersJwtOptions } from '../http/routes.js';
import { DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER } from '../http/service-config.js';
import { formatLoadReport } from './report.js';
import { runLoad } from './run-load.js';
import { startThrowawayService, type ThrowawayService } from './throwaway-service.js';

const env = process.env;
const issues: ValidationIssue[] = [];
function number(name: string, fallback: number, min: number): number {
  const value = Number(env[name] || fallback);
  if (!(Number.isFinite(value) && value >= min))
    issues.push({ path: [name], message: `must be a number ≥ ${min}` });
  return value;
}
const seconds = number('LOAD_SECONDS', 10, 0.1);
const connections = Math.round(number('LOAD_CONNECTIONS', 8, 1));
const warmupSeconds = number('LOAD_WARMUP_SECONDS', 1, 0);
if (issues.length > 0) {
  console.error(new ValidationError(issues, 'environment').message);
  process.exit(1);
}

let service: ThrowawayService | undefined;
try {
  let url = env['ORDERS_URL'];
  let jwt: OrdersJwtOptions;
  if (url) {
    const dataDir = resolve(env['ORDERS_DATA_DIR'] || 'data');
    const secret = env['ORDERS_JWT_SECRET'] || keptDevelopmentSecret(dataDir);
    if (secret === undefined)
      throw new Error(
        `No secret to sign the load's tokens: set ORDERS_JWT_SECRET to the service's, or ORDERS_DATA_DIR to its data directory (no development secret in ${dataDir}).`,
      );
    jwt = {
      secret,
      issuer: env['ORDERS_JWT_ISSUER'] || DEFAULT_JWT_ISSUER,
      audience: env['ORDERS_JWT_AUDIENCE'] || DEFAULT_JWT_AUDIENCE,
    };
  } else {
    // A secret for this run only: the service and the load share it, nobody else.
    const own = {
      secret: randomBytes(32).toString('hex'),
      issuer: DEFAULT_JWT_ISSUER,
      audience: DEFAULT_JWT_AUDIENCE,
    };
    service = await startThrowawayService({ store: { kind: 'sqlite' }, jwt: own });
    url = service.url;
    jwt = own;
    console.log(
      `Started a service for this run at ${url} (data in a temporary directory, removed afterwards).`,
    );
  }
  console.log(`Driving ${url} for ${warmupSeconds} + ${seconds} s with ${connections} connections…`);
  const report = await runLoad({ url: url.replace(/\/+$/, ''), jwt, seconds, connections, warmupSeconds });
  console.log(formatLoadReport(report).join('\n'));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await service?.close();
}
