/**
 * The resource every span and metric carries: which service, which version, which process.
 * Precedence, lowest first: the SDK's defaults (`telemetry.sdk.*`), `OTEL_RESOURCE_ATTRIBUTES`,
 * `OTEL_SERVICE_NAME`, then the options, because an option written in code is deliberate.
 */
import { randomUUID } from 'node:crypto';
import type { AttributeValue } from '@opentelemetry/api';
import {
  defaultResource,
  detectResources,
  resourceAttributesEnvDetector,
  resourceFromAttributes,
  type Resource,
} from '@opentelemetry/resources';
import { ValidationError } from '@whizbang/core';

export interface ServiceIdentity {
  /** `service.name`; falls back to `OTEL_SERVICE_NAME`. One of the two is required. */
  readonly serviceName?: string;
  /** `service.version`, e.g. the package version or the image tag. */
  readonly serviceVersion?: string;
  /** `service.instance.id`; a random UUID per process unless given (a pod name, say). */
  readonly instanceId?: string;
  /** More resource attributes, e.g. `{ 'deployment.environment.name': 'production' }`. */
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

export function serviceResource(identity: ServiceIdentity): Resource {
  const fromEnv = detectResources({ detectors: [resourceAttributesEnvDetector] });
  const serviceName =
    identity.serviceName ?? (process.env.OTEL_SERVICE_NAME || fromEnv.attributes['service.name']);
  if (typeof serviceName !== 'string' || serviceName === '') {
    throw new ValidationError(
      [
        {
          message: 'give setupObservability({ serviceName }) or set OTEL_SERVICE_NAME',
          path: ['serviceName'],
        },
      ],
      'observability options',
    );
  }
  return defaultResource()
    .merge(fromEnv)
    .merge(
      resourceFromAttributes({
        ...identity.attributes,
        'service.name': serviceName,
        'service.instance.id': identity.instanceId ?? randomUUID(),
        ...(identity.serviceVersion === undefined ? {} : { 'service.version': identity.serviceVersion }),
      }),
    );
}
