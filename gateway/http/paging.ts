import { z } from 'zod';

/** Query parameters shared by the paged listings: `after` is an opaque position cursor, `limit` at most 500. */
export const pageQuery = z.object({
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const idParam = z.coerce.number().int().positive();
