/** How lists are paged, the same on every route that pages. */
import { z } from 'zod';

/** A page size, as a number or as the digits of a query string (`?limit=20`). */
export const pageLimit = z
  .union([
    z.int(),
    z
      .string()
      .regex(/^\d{1,3}$/, 'must be a whole number')
      .transform(Number),
  ])
  .pipe(z.int().min(1).max(100));
