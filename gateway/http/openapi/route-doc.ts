import type { z } from 'zod';
import type { Role } from '../../auth/tokens.ts';

/**
 * What the OpenAPI document says about one route. Query and body schemas are the very zod schemas the route
 * validates with, and roles come from the tables the routes enforce (route-roles.ts, mappings/permissions.ts), so
 * the document cannot describe other inputs or other roles than the gateway applies; openapi.int.test.ts checks
 * that every route is described and that every role listed is the one enforced.
 */
export interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** the route as registered, with `:name` path parameters, e.g. /api/quarantine/:id */
  path: string;
  summary: string;
  /** 'open': no token needed; otherwise the roles that may call it besides admin */
  roles: 'open' | readonly Role[];
  query?: z.ZodObject;
  body?: z.ZodType;
  /** a body that is not JSON, e.g. an import file */
  rawBody?: { contentType: string; description: string };
  /** status → what it means */
  responses: Record<number, string>;
  /** the content type of a successful answer when it is not JSON */
  produces?: string;
}
