export { httpApi, type HttpApiOptions } from './http-api.js';
export { RouteTable, type Method, type Route, type RouteOptions } from './routes.js';
export { jwtAuth, defaultPrincipal, type JwtAuthOptions } from './auth/jwt.js';
export { apiKeyAuth, type ApiKeyAuthOptions, type ApiKeyGrant } from './auth/api-key.js';
export type { Authenticator, Identity } from './auth/authenticator.js';
export { resolveTenant, type TenantOptions, type TenantSource } from './tenant.js';
export { TokenBuckets, type RateLimit, type RateLimitOptions } from './rate-limit.js';
export { HttpProblem, toProblem, problemType, type Problem } from './problem.js';
export { parseVersionTag } from './binding.js';
export {
  readiness,
  readinessChecks,
  type HealthCheck,
  type HealthOptions,
  type Readiness,
} from './health.js';
export { openApiDocument, type OpenApiInfo } from './openapi.js';
export { serve, type Served } from './serve.js';
export { REQUEST_ID_HEADER, CORRELATION_ID_HEADER } from './request-ids.js';
