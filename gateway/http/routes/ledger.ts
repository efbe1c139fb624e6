import { Hono } from 'hono';
import { z } from 'zod';
import { EVENT_TYPES, facilityIdSchema } from '../../events/schema.ts';
import type { Store } from '../../store/db.ts';
import { listLedger, verifyLedger } from '../../store/ledger.ts';
import type { AppEnv } from '../context.ts';
import { pageQuery } from '../paging.ts';
import { parseInput } from '../validate.ts';

const listQuery = pageQuery.extend({
  facility: facilityIdSchema.optional(),
  type: z.enum(EVENT_TYPES).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
});

/** GET /api/ledger pages through entries; GET /api/ledger/verify recomputes the chains. */
export function ledgerRoutes(deps: { store: Store }) {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => {
    const q = parseInput(c, listQuery, c.req.query());
    if (!q.ok) return q.response;
    const { facility, type, since, until, after, limit } = q.value;
    const page = await listLedger(deps.store, {
      facility,
      type,
      since: since ? new Date(since) : undefined,
      until: until ? new Date(until) : undefined,
      after,
      limit,
    });
    return c.json(page);
  });
  app.get('/verify', async (c) => {
    const q = parseInput(c, z.object({ facility: facilityIdSchema.optional() }), c.req.query());
    if (!q.ok) return q.response;
    const report = await verifyLedger(deps.store, { chain: q.value.facility });
    return c.json(report, 200);
  });
  return app;
}
