import { Hono } from 'hono';
import { z } from 'zod';
import { requireRole } from '../../gateway/auth/middleware.ts';
import type { TokenGrant } from '../../gateway/auth/tokens.ts';
import type { AppEnv } from '../../gateway/http/context.ts';
import { parseInput } from '../../gateway/http/validate.ts';
import type { PendingService } from '../pending/service.ts';
import { rolesFor } from '../permissions.ts';
import { changeContext, jsonBody, jsonLimit, reasonField, serviceError } from './common.ts';

/**
 * The pending queue: GET /api/mappings/pending[?status=open|resolved&waiting=true], GET …/pending/{id} (with its
 * parked events), GET …/pending/{id}/suggestions[?q=text], POST …/pending/{id}/resolve
 * `{ndc11, schedule?, drug?, reason}` — which writes the mappings and releases the parked events in order.
 */

export const pendingListQuery = z.object({
  status: z.enum(['open', 'resolved']).optional(),
  waiting: z.enum(['true', 'false']).optional(),
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const idParam = z.coerce.number().int().positive();
export const pendingSuggestionsQuery = z.object({ q: z.string().max(200).optional(), limit: z.coerce.number().int().min(1).max(50).default(10) });
export const pendingResolveBody = z.strictObject({
  reason: reasonField,
  ndc11: z.string().min(1).max(20),
  schedule: z.string().max(8).optional(),
  drug: z.record(z.string(), z.unknown()).optional(),
});

export function pendingRoutes(deps: { grants: TokenGrant[]; pending: PendingService }) {
  const app = new Hono<AppEnv>();
  const read = requireRole(deps.grants, ...rolesFor('pendingRead'));

  app.get('/', read, async (c) => {
    const q = parseInput(c, pendingListQuery, c.req.query());
    if (!q.ok) return q.response;
    const { status, waiting, after, limit } = q.value;
    return c.json(await deps.pending.list({ ...(status ? { status } : {}), waiting: waiting === 'true', ...(after !== undefined ? { after } : {}), limit }));
  });

  app.get('/:id', read, async (c) => {
    const id = parseInput(c, idParam, c.req.param('id'));
    if (!id.ok) return id.response;
    try {
      return c.json(await deps.pending.get(id.value));
    } catch (err) {
      return serviceError(c, err);
    }
  });

  app.get('/:id/suggestions', read, async (c) => {
    const id = parseInput(c, idParam, c.req.param('id'));
    if (!id.ok) return id.response;
    const q = parseInput(c, pendingSuggestionsQuery, c.req.query());
    if (!q.ok) return q.response;
    try {
      return c.json({ suggestions: await deps.pending.suggestions(id.value, { ...(q.value.q ? { text: q.value.q } : {}), limit: q.value.limit }) });
    } catch (err) {
      return serviceError(c, err);
    }
  });

  app.post('/:id/resolve', requireRole(deps.grants, ...rolesFor('pendingResolve')), jsonLimit, async (c) => {
    const id = parseInput(c, idParam, c.req.param('id'));
    if (!id.ok) return id.response;
    const body = await jsonBody(c, pendingResolveBody);
    if (!body.ok) return body.response;
    const { reason, ...input } = body.value;
    try {
      return c.json(await deps.pending.resolve(id.value, input, changeContext(c, reason)));
    } catch (err) {
      return serviceError(c, err);
    }
  });

  return app;
}
