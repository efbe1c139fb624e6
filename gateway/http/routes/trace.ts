import { Hono } from 'hono';
import { z } from 'zod';
import { traceMessage, type TraceDeps } from '../../trace/message-trace.ts';
import type { AppEnv } from '../context.ts';
import { parseInput } from '../validate.ts';

export const traceQuery = z.object({
  /** HL7 MSH-10; an event's source.message_id */
  message_id: z.string().min(1).max(256),
  /** HL7 MSH-3^MSH-4 as sent; an event's source.sender */
  sender: z.string().min(1).max(512).optional(),
  adapter: z.string().min(1).max(32).optional(),
});

/** GET /api/trace: what became of one message a sender sent (gateway/trace/message-trace.ts). */
export function traceRoutes(deps: TraceDeps) {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => {
    const q = parseInput(c, traceQuery, c.req.query());
    if (!q.ok) return q.response;
    return c.json(await traceMessage(deps, q.value));
  });
  return app;
}
