import { Hono } from 'hono';
import { pageContext, type UiDeps, type UiEnv } from '../context.ts';
import { forbiddenUnless } from '../guard.tsx';
import { ConnectionsPage } from '../pages/connections-page.tsx';
import { render } from '../render.ts';
import type { SessionStore } from '../session.ts';

/** `/ui/connections`: GET /api/mllp/status as a page. */
export function connectionRoutes(deps: UiDeps & { sessions: SessionStore }) {
  const app = new Hono<UiEnv>();
  app.get('/connections', async (c) => {
    const page = pageContext(c, deps.sessions);
    return forbiddenUnless(c, deps.sessions, page.mayUse('status'), 'see the connections') ?? render(c, <ConnectionsPage page={page} status={await deps.mllpStatus()} />);
  });
  return app;
}
