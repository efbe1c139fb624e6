import type { MiddlewareHandler } from 'hono';
import { apiError } from '../http/errors.ts';
import { findGrant, roleAllows, type Role, type TokenGrant } from './tokens.ts';

export interface AuthVariables {
  grant: TokenGrant;
}

/** Bearer token required; the token's role must be one of `roles` (admin is always allowed). */
export function requireRole(grants: TokenGrant[], ...roles: Role[]): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      c.header('WWW-Authenticate', 'Bearer realm="rxgate"');
      return apiError(c, 401, 'unauthenticated', 'a bearer token is required (Authorization: Bearer <token>)');
    }
    const grant = findGrant(grants, match[1]!);
    if (!grant) {
      c.header('WWW-Authenticate', 'Bearer realm="rxgate", error="invalid_token"');
      return apiError(c, 401, 'unauthenticated', 'the bearer token is not valid');
    }
    if (!roleAllows(grant.role, roles)) {
      return apiError(c, 403, 'forbidden', `role ${grant.role} may not do this; allowed: ${['admin', ...roles].join(', ')}`);
    }
    c.set('grant', grant);
    await next();
  };
}
