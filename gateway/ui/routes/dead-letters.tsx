import { Hono } from 'hono';
import { UnknownConsumerError } from '../../bus/dead-letter.ts';
import { dlqQuery } from '../../http/routes/evidence.ts';
import { mayUseRoute, pageContext, uiPath, type UiDeps, type UiEnv } from '../context.ts';
import { listingQuery, text } from '../forms.ts';
import { forbiddenUnless, safeNext } from '../guard.tsx';
import { DeadLettersPage } from '../pages/dead-letters-page.tsx';
import { render } from '../render.ts';
import type { SessionStore } from '../session.ts';

/** `/ui/dead-letters`: GET /api/dlq as a page, and POST /api/dlq/{id}/replay as a button. */

const PAGE_SIZE = 50;

export function deadLetterRoutes(deps: UiDeps & { sessions: SessionStore }) {
  const app = new Hono<UiEnv>();
  const { sessions } = deps;

  app.get('/dead-letters', async (c) => {
    const page = pageContext(c, sessions);
    const denied = forbiddenUnless(c, sessions, page.mayUse('evidenceList'), 'see the dead letters');
    if (denied) return denied;
    const q = listingQuery(dlqQuery, c.req.query(), PAGE_SIZE);
    const list = await deps.deadLetters.list(q);
    return render(c, <DeadLettersPage page={page} consumer={q.consumer} entries={list.entries} after={q.after} nextAfter={list.next_after} />);
  });

  app.post('/dead-letters/:id/replay', async (c) => {
    // The role from the session, not pageContext: that would take the message meant for the page after the redirect.
    const denied = forbiddenUnless(c, sessions, mayUseRoute(c.get('session').grant.role, 'evidenceReplay'), 'replay dead letters');
    if (denied) return denied;
    const back = safeNext(text(await c.req.parseBody(), 'return')) ?? uiPath(['dead-letters']);
    const raw = c.req.param('id');
    const id = /^\d{1,12}$/.test(raw) ? Number(raw) : 0;
    const session = c.get('session');
    try {
      const outcome = id > 0 ? await deps.deadLetters.replay(id, session.grant.label) : null;
      if (!outcome) session.flash = { kind: 'error', text: `There is no dead letter ${raw}.` };
      else if (outcome.replayed) session.flash = { kind: 'ok', text: `Dead letter ${id} replayed: its consumer took it.` };
      else session.flash = { kind: 'error', text: `Dead letter ${id} replayed and failed again: ${outcome.error ?? 'no reason given'}` };
      c.get('log').info({ dlq_id: id, replayed: outcome?.replayed ?? null }, 'dead letter replay from the web UI');
    } catch (err) {
      if (!(err instanceof UnknownConsumerError)) throw err;
      session.flash = { kind: 'error', text: `Dead letter ${id} cannot be replayed here: ${err.message}.` };
    }
    return c.redirect(back, 303);
  });

  return app;
}
