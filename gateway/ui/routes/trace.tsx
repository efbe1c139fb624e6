import { Hono } from 'hono';
import { traceQuery } from '../../http/routes/trace.ts';
import { pageContext, type UiDeps, type UiEnv } from '../context.ts';
import { givenFields } from '../forms.ts';
import { forbiddenUnless } from '../guard.tsx';
import { TracePage } from '../pages/trace-page.tsx';
import { render } from '../render.ts';
import type { SessionStore } from '../session.ts';

/** `/ui/trace`: the message trace of GET /api/trace as a page, with the same roles and the same checks. */
export function traceRoutes(deps: UiDeps & { sessions: SessionStore }) {
  const app = new Hono<UiEnv>();
  const { sessions } = deps;

  app.get('/trace', async (c) => {
    const page = pageContext(c, sessions);
    const denied = forbiddenUnless(c, sessions, page.mayUse('trace'), 'trace messages');
    if (denied) return denied;
    const given = givenFields(c.req.query());
    if (Object.keys(given).length === 0) return render(c, <TracePage page={page} />);
    const q = traceQuery.safeParse(given);
    if (!q.success) {
      const issue = q.error.issues[0]!;
      const problem = issue.path[0] === 'message_id' ? 'Give the message id: 1 to 256 characters.' : `${String(issue.path[0])}: ${issue.message}`;
      return render(c, <TracePage page={page} problem={problem} />, 422);
    }
    return render(c, <TracePage page={page} query={q.data} trace={await deps.trace(q.data)} />);
  });
  return app;
}
