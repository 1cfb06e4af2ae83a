/**
 * The token settings a service's settings imply: ORDERS_JWT_SECRET, or else the development
 * secret kept in the data directory (made there first if need be), with the issuer and audience.
 */
import { mkdirSync } from 'node:fs';
import { developmentSecret } from './development-secret.js';
import type { OrdersJwtOptions } from './routes.js';
import type { ServiceConfig } from './service-config.js';
import type { SecretSource } from './start-banner.js';

export interface ServiceJwt {
  readonly jwt: OrdersJwtOptions;
  /** Where the secret came from, for the start banner. */
  readonly source: SecretSource;
}

/**
 * @example
 * const { jwt } = serviceJwt(serviceConfig(process.env));
 */
export function serviceJwt(
  config: Pick<ServiceConfig, 'jwtSecret' | 'jwtIssuer' | 'jwtAudience' | 'dataDir'>,
): ServiceJwt {
  const claims = { issuer: config.jwtIssuer, audience: config.jwtAudience };
  if (config.jwtSecret !== undefined)
    return { jwt: { secret: config.jwtSecret, ...claims }, source: { from: 'environment' } };
  mkdirSync(config.dataDir, { recursive: true });
  const kept = developmentSecret(config.dataDir);
  return {
    jwt: { secret: kept.secret, ...claims },
    source: { from: 'data-dir', path: kept.path, created: kept.created },
  };
}
