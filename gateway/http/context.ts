import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import type { AuthVariables } from '../auth/middleware.ts';
import { correlationId } from '../events/ids.ts';

export interface RequestVariables extends Partial<AuthVariables> {
  correlationId: string;
  log: Logger;
}

export type AppEnv = { Variables: RequestVariables };

export const CORRELATION_HEADER = 'X-Correlation-Id';

/** Gives every request a correlation id (the caller's when safe) and a logger that carries it. */
export function requestContext(logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const id = correlationId(c.req.header(CORRELATION_HEADER));
    const log = logger.child({ correlation_id: id });
    c.set('correlationId', id);
    c.set('log', log);
    c.header(CORRELATION_HEADER, id);
    const started = performance.now();
    await next();
    log.info(
      { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round((performance.now() - started) * 10) / 10 },
      'http request',
    );
  };
}
