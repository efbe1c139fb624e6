import { Hono } from 'hono';
import { z } from 'zod';
import { requireRole } from '../../gateway/auth/middleware.ts';
import type { TokenGrant } from '../../gateway/auth/tokens.ts';
import { facilityIdSchema } from '../../gateway/events/schema.ts';
import type { AppEnv } from '../../gateway/http/context.ts';
import { parseInput } from '../../gateway/http/validate.ts';
import { rolesFor } from '../permissions.ts';
import type { DrugCode } from '../resolver.ts';
import type { MappingService } from '../service.ts';
import { jsonBody, jsonLimit } from './common.ts';

/**
 * Drug lookups from the resolver cache, the same answer a translator gets:
 *
 *   GET  /api/mappings/lookup?ndc=0591-0369-01[&rxnorm=&gtin=&local=&facility=HOSP1]
 *   POST /api/mappings/lookup  {"facility_id": "HOSP1", "codes": [{"system": "NDC", "code": "…"}]}
 */

export const lookupQuery = z
  .object({
    ndc: z.string().max(64).optional(),
    rxnorm: z.string().max(64).optional(),
    gtin: z.string().max(64).optional(),
    local: z.string().max(64).optional(),
    facility: facilityIdSchema.optional(),
  })
  .refine((q) => q.ndc || q.rxnorm || q.gtin || q.local, { message: 'give at least one of ndc, rxnorm, gtin, local', path: ['ndc'] });

export const lookupBody = z.strictObject({
  facility_id: facilityIdSchema,
  codes: z.array(z.strictObject({ system: z.string().min(1).max(64), code: z.string().min(1).max(64), display: z.string().max(300).optional() })).min(1).max(20),
});

export function lookupRoutes(deps: { grants: TokenGrant[]; service: MappingService }) {
  const app = new Hono<AppEnv>();
  const guard = requireRole(deps.grants, ...rolesFor('lookup'));
  app.get('/', guard, (c) => {
    const q = parseInput(c, lookupQuery, c.req.query());
    if (!q.ok) return q.response;
    const codes: DrugCode[] = [];
    if (q.value.rxnorm) codes.push({ system: 'RXNORM', code: q.value.rxnorm });
    if (q.value.ndc) codes.push({ system: 'NDC', code: q.value.ndc });
    if (q.value.gtin) codes.push({ system: 'GTIN', code: q.value.gtin });
    if (q.value.local) codes.push({ system: 'LOCAL', code: q.value.local });
    // without a facility only mappings shared by every facility (facility_id *) apply
    return c.json(deps.service.lookup(codes, q.value.facility ?? ''));
  });
  app.post('/', guard, jsonLimit, async (c) => {
    const body = await jsonBody(c, lookupBody);
    if (!body.ok) return body.response;
    return c.json(deps.service.lookup(body.value.codes, body.value.facility_id));
  });
  return app;
}
