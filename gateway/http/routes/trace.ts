import { Hono } from 'hono';
import { z } from 'zod';
import { isStorableText } from '../../store/unstorable-text.ts';
import { traceMessage, type TraceDeps } from '../../trace/message-trace.ts';
import type { AppEnv } from '../context.ts';
import { parseInput } from '../validate.ts';

/** Compared in PostgreSQL, which cannot hold a NUL character or an unpaired surrogate: refused with 422, not a 500. */
const text = (max: number) => z.string().min(1).max(max).refine(isStorableText, 'must not contain NUL characters or unpaired surrogates');

export const traceQuery = z.object({
  /** HL7 MSH-10; an event's source.message_id */
  message_id: text(256),
  /** HL7 MSH-3^MSH-4 as sent; an event's source.sender */
  sender: text(512).optional(),
  adapter: text(32).optional(),
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
