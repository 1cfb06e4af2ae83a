/**
 * GetJourney: everything one request caused (the commands, events, projections, reactors and
 * saga steps that share its correlation id), as a tree, for an operator. Journeys are recorded
 * when the app is made with `observability: { journeys }`.
 */
import { z } from 'zod';
import { defineQuery, handle, type, type Journey, type JourneyQueries } from '@whizbang/core';
import { correlationIdSchema } from '../domain/schemas.js';
import { ORDERS_PERMISSIONS } from './roles.js';

export const GetJourney = defineQuery('GetJourney', {
  schema: z.strictObject({ correlationId: correlationIdSchema }),
  /** Null when nothing of the journey is stored (not recorded, sampled out, purged, another tenant's). */
  result: type<Journey | null>(),
});

/**
 * Reads from `journeys()`, the app's `app.journeys` (the app is made after its handlers). Only
 * the caller's tenant's steps: journeys of every tenant share one collection, and a tenant's
 * admin must not learn what another tenant's request did.
 * @example
 * const app = whizbang({ store, handlers: [getJourney(() => app.journeys)], authorization: { roles: ordersRoles } });
 */
export function getJourney(journeys: () => Pick<JourneyQueries, 'get'>) {
  return handle(
    GetJourney,
    async (query, ctx) => {
      const tenant = ctx.tenantId === undefined ? {} : { tenantId: ctx.tenantId };
      return (await journeys().get(query.data.correlationId, tenant)) ?? null;
    },
    { permissions: [ORDERS_PERMISSIONS.readJourneys] },
  );
}
