import { Hono } from 'hono';
import { requireRole } from '../../gateway/auth/middleware.ts';
import type { TokenGrant } from '../../gateway/auth/tokens.ts';
import type { AppEnv } from '../../gateway/http/context.ts';
import type { Mappings } from '../module.ts';
import { rolesFor } from '../permissions.ts';
import { storableRequest } from './common.ts';
import { lookupRoutes } from './lookup.ts';
import { pendingRoutes } from './pending.ts';
import { tableRoutes } from './tables.ts';
import { transferRoutes } from './transfer.ts';

/** Everything under /api/mappings. Specific paths are routed before /{table}/{key}. */
export function mappingRoutes(deps: { grants: TokenGrant[]; mappings: Pick<Mappings, 'service' | 'pending' | 'diagnostics'>; importMaxBytes: number }) {
  const app = new Hono<AppEnv>();
  app.use('*', storableRequest);
  app.get('/diagnostics', requireRole(deps.grants, ...rolesFor('diagnostics')), async (c) => c.json(await deps.mappings.diagnostics()));
  app.route('/lookup', lookupRoutes({ grants: deps.grants, service: deps.mappings.service }));
  app.route('/pending', pendingRoutes({ grants: deps.grants, pending: deps.mappings.pending }));
  app.route('/', transferRoutes({ grants: deps.grants, service: deps.mappings.service, maxBytes: deps.importMaxBytes }));
  app.route('/', tableRoutes({ grants: deps.grants, service: deps.mappings.service }));
  return app;
}
