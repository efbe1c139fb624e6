import { Hono } from 'hono';
import { z } from 'zod';
import { requireRole } from '../../gateway/auth/middleware.ts';
import type { TokenGrant } from '../../gateway/auth/tokens.ts';
import type { AppEnv } from '../../gateway/http/context.ts';
import { apiError } from '../../gateway/http/errors.ts';
import { parseInput } from '../../gateway/http/validate.ts';
import { SPECS } from '../entities/index.ts';
import { rolesFor } from '../permissions.ts';
import type { MappingService } from '../service.ts';
import { changeContext, jsonBody, jsonLimit, reasonField, serviceError, tableOf } from './common.ts';

/**
 * /api/mappings/{table}: list and search, get, create, update, delete, history, one version, rollback; and
 * /api/mappings/schedules/{ndc11}/verify. Keys go in the path URL-encoded (codes: `system|facility_id|code`).
 */

export const tableListQuery = z.object({
  q: z.string().max(200).optional(),
  after: z.string().max(300).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  include_deleted: z.enum(['true', 'false']).optional(),
});

export const changeBody = z.strictObject({
  reason: reasonField,
  data: z.record(z.string(), z.unknown(), { error: 'required: an object of the entry\'s fields' }),
  expected_version: z.number().int().positive().optional(),
});
export const deleteBody = z.strictObject({ reason: reasonField, expected_version: z.number().int().positive().optional() });
export const rollbackBody = z.strictObject({ reason: reasonField, to_version: z.number().int().positive(), expected_version: z.number().int().positive().optional() });
const versionParam = z.coerce.number().int().positive();

export function tableRoutes(deps: { grants: TokenGrant[]; service: MappingService }) {
  const app = new Hono<AppEnv>();
  const { service } = deps;
  const may = (action: Parameters<typeof rolesFor>[0]) => requireRole(deps.grants, ...rolesFor(action));

  app.get('/:table', may('read'), async (c) => {
    const table = tableOf(c);
    if (table instanceof Response) return table;
    const raw = c.req.query();
    const fields = new Set(SPECS[table].fields.map((f) => f.name));
    const filters: Record<string, string> = {};
    const rest: Record<string, string> = {};
    const unknown: string[] = [];
    for (const [k, v] of Object.entries(raw)) {
      if (fields.has(k)) filters[k] = v;
      else if (k in tableListQuery.shape) rest[k] = v;
      else unknown.push(k);
    }
    if (unknown.length > 0) {
      return apiError(c, 422, 'invalid_request', 'the request has invalid parameters', unknown.map((k) => ({ field: k, code: 'unknown_field', message: `not a parameter or a field of ${table}` })));
    }
    const q = parseInput(c, tableListQuery, rest);
    if (!q.ok) return q.response;
    const page = await service.list(table, { q: q.value.q, after: q.value.after, limit: q.value.limit, filters, includeDeleted: q.value.include_deleted === 'true' });
    return c.json(page);
  });

  app.post('/:table', may('edit'), jsonLimit, async (c) => {
    const table = tableOf(c);
    if (table instanceof Response) return table;
    const body = await jsonBody(c, changeBody);
    if (!body.ok) return body.response;
    try {
      return c.json(await service.create(table, body.value.data, changeContext(c, body.value.reason)), 201);
    } catch (err) {
      return serviceError(c, err);
    }
  });

  app.get('/:table/:key', may('read'), async (c) => {
    const table = tableOf(c);
    if (table instanceof Response) return table;
    const entry = await service.get(table, c.req.param('key'));
    return entry ? c.json(entry) : apiError(c, 404, 'not_found', `no ${SPECS[table].entity} ${c.req.param('key')}`);
  });

  app.patch('/:table/:key', may('edit'), jsonLimit, async (c) => {
    const table = tableOf(c);
    if (table instanceof Response) return table;
    const body = await jsonBody(c, changeBody);
    if (!body.ok) return body.response;
    try {
      const opts = body.value.expected_version !== undefined ? { expectedVersion: body.value.expected_version } : {};
      return c.json(await service.update(table, c.req.param('key'), body.value.data, changeContext(c, body.value.reason), opts));
    } catch (err) {
      return serviceError(c, err);
    }
  });

  app.delete('/:table/:key', may('edit'), jsonLimit, async (c) => {
    const table = tableOf(c);
    if (table instanceof Response) return table;
    const body = await jsonBody(c, deleteBody);
    if (!body.ok) return body.response;
    try {
      const opts = body.value.expected_version !== undefined ? { expectedVersion: body.value.expected_version } : {};
      return c.json(await service.remove(table, c.req.param('key'), changeContext(c, body.value.reason), opts));
    } catch (err) {
      return serviceError(c, err);
    }
  });

  app.get('/:table/:key/history', may('history'), async (c) => {
    const table = tableOf(c);
    if (table instanceof Response) return table;
    try {
      return c.json({ table, key: c.req.param('key'), versions: await service.history(table, c.req.param('key')) });
    } catch (err) {
      return serviceError(c, err);
    }
  });

  app.get('/:table/:key/versions/:version', may('history'), async (c) => {
    const table = tableOf(c);
    if (table instanceof Response) return table;
    const v = parseInput(c, versionParam, c.req.param('version'));
    if (!v.ok) return v.response;
    try {
      return c.json(await service.version(table, c.req.param('key'), v.value));
    } catch (err) {
      return serviceError(c, err);
    }
  });

  app.post('/:table/:key/rollback', may('edit'), jsonLimit, async (c) => {
    const table = tableOf(c);
    if (table instanceof Response) return table;
    const body = await jsonBody(c, rollbackBody);
    if (!body.ok) return body.response;
    try {
      const opts = body.value.expected_version !== undefined ? { expectedVersion: body.value.expected_version } : {};
      return c.json(await service.rollback(table, c.req.param('key'), body.value.to_version, changeContext(c, body.value.reason), opts), 201);
    } catch (err) {
      return serviceError(c, err);
    }
  });

  app.post('/schedules/:key/verify', may('edit'), async (c) => {
    try {
      return c.json(await service.verifySchedule(c.req.param('key'), { actor: c.get('grant')!.label }));
    } catch (err) {
      return serviceError(c, err);
    }
  });

  return app;
}
