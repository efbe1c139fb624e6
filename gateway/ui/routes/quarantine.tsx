import { Hono } from 'hono';
import { NoReplayerError } from '../../bus/quarantine.ts';
import { quarantineQuery } from '../../http/routes/evidence.ts';
import { mayUseRoute, pageContext, uiPath, type UiDeps, type UiEnv } from '../context.ts';
import { listingQuery, text } from '../forms.ts';
import { forbiddenUnless, safeNext } from '../guard.tsx';
import { QuarantinePage } from '../pages/quarantine-page.tsx';
import { render } from '../render.ts';
import type { SessionStore } from '../session.ts';

/** `/ui/quarantine`: GET /api/quarantine as a page, and the replay of POST /api/quarantine/{id}/replay as a button. */

const PAGE_SIZE = 50;

export function quarantineRoutes(deps: UiDeps & { sessions: SessionStore }) {
  const app = new Hono<UiEnv>();
  const { sessions } = deps;

  app.get('/quarantine', async (c) => {
    const page = pageContext(c, sessions);
    const denied = forbiddenUnless(c, sessions, page.mayUse('evidenceList'), 'see the quarantine');
    if (denied) return denied;
    const q = listingQuery(quarantineQuery, c.req.query(), PAGE_SIZE);
    const list = await deps.quarantine.list(q);
    return render(
      c,
      <QuarantinePage page={page} filter={{ adapter: q.adapter, reason: q.reason }} entries={list.entries} after={q.after} nextAfter={list.next_after} />,
    );
  });

  app.post('/quarantine/:id/replay', async (c) => {
    // The role from the session, not pageContext: that would take the message meant for the page after the redirect.
    const denied = forbiddenUnless(c, sessions, mayUseRoute(c.get('session').grant.role, 'evidenceReplay'), 'replay quarantined input');
    if (denied) return denied;
    const body = await c.req.parseBody();
    const back = safeNext(text(body, 'return')) ?? uiPath(['quarantine']);
    const raw = c.req.param('id');
    const id = /^\d{1,12}$/.test(raw) ? Number(raw) : 0;
    const session = c.get('session');
    try {
      const outcome = id > 0 ? await deps.quarantine.replay(id, session.grant.label) : null;
      if (!outcome) session.flash = { kind: 'error', text: `There is no quarantine entry ${raw}.` };
      else if (outcome.accepted) {
        const n = outcome.event_ids.length;
        session.flash = { kind: 'ok', text: `Entry ${id} replayed and accepted: ${n} ${n === 1 ? 'event' : 'events'}.` };
      } else session.flash = { kind: 'error', text: `Entry ${id} replayed and refused again (${outcome.reason}). It stays in quarantine.` };
      c.get('log').info({ quarantine_id: id, accepted: outcome?.accepted ?? null }, 'quarantine replay from the web UI');
    } catch (err) {
      if (!(err instanceof NoReplayerError)) throw err;
      session.flash = { kind: 'error', text: `Entry ${id} cannot be replayed here: ${err.message}.` };
    }
    return c.redirect(back, 303);
  });

  return app;
}
