/**
 * The service's settings, read from the environment once at start-up. Every variable has a
 * default that suits `npm start` on a laptop; a wrong value stops the start with a message that
 * names the variable.
 */
import { resolve } from 'node:path';
import { ValidationError, type ValidationIssue } from '@whizbang/core';

/** Who issues the tokens the service accepts, unless ORDERS_JWT_ISSUER / _AUDIENCE say otherwise. */
export const DEFAULT_JWT_ISSUER = 'https://id.orders.example/';
export const DEFAULT_JWT_AUDIENCE = 'orders';

export interface ServiceConfig {
  /** 0 picks a free port. */
  readonly port: number;
  /** Holds the SQLite file and, without ORDERS_JWT_SECRET, the development secret. */
  readonly dataDir: string;
  readonly dbPath: string;
  /** ORDERS_JWT_SECRET as given; undefined means "use the development secret". */
  readonly jwtSecret: string | undefined;
  readonly jwtIssuer: string;
  readonly jwtAudience: string;
  /** Seed the demo tenants and print their tokens and a curl example. */
  readonly demo: boolean;
  /** The share of journeys recorded, 0 to 1. */
  readonly journeySampleRate: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * @example
 * const config = serviceConfig(process.env); // throws ValidationError naming the bad variables
 */
export function serviceConfig(env: Env): ServiceConfig {
  const issues: ValidationIssue[] = [];
  const problem = (name: string, message: string) => issues.push({ path: [name], message });
  const set = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);

  const port = Number(set('PORT') ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) problem('PORT', 'must be a port number, 0-65535');

  const jwtSecret = set('ORDERS_JWT_SECRET');
  if (jwtSecret !== undefined && Buffer.byteLength(jwtSecret) < 32)
    problem('ORDERS_JWT_SECRET', 'must be at least 32 bytes (leave it unset for a development secret)');

  const demoFlag = set('ORDERS_DEMO');
  if (demoFlag !== undefined && demoFlag !== '0' && demoFlag !== '1')
    problem('ORDERS_DEMO', 'must be 0 or 1');

  const journeySampleRate = Number(set('ORDERS_JOURNEY_SAMPLE_RATE') ?? 1);
  if (!(journeySampleRate >= 0 && journeySampleRate <= 1))
    problem('ORDERS_JOURNEY_SAMPLE_RATE', 'must be the share of journeys to record, from 0 to 1');

  if (issues.length > 0) throw new ValidationError(issues, 'environment');
  const dataDir = resolve(set('ORDERS_DATA_DIR') ?? 'data');
  return {
    port,
    dataDir,
    dbPath: resolve(set('ORDERS_DB') ?? resolve(dataDir, 'orders.db')),
    jwtSecret,
    jwtIssuer: set('ORDERS_JWT_ISSUER') ?? DEFAULT_JWT_ISSUER,
    jwtAudience: set('ORDERS_JWT_AUDIENCE') ?? DEFAULT_JWT_AUDIENCE,
    // A secret shared with a real identity provider means real users: no demo data, and no
    // tokens signed with it in the log, unless asked for.
    demo: demoFlag === undefined ? jwtSecret === undefined : demoFlag === '1',
    journeySampleRate,
  };
}
