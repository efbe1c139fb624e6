import { Hono } from 'hono';
import { ResendNotRecordedError, ResendRunningError, UnknownOutboundTargetError } from '../../../adapters/hl7v2/outbound/resends.ts';
import { resendBody } from '../../http/routes/outbound.ts';
import { traceQuery } from '../../http/routes/trace.ts';
import { mayUseRoute, pageContext, uiPath, type UiDeps, type UiEnv } from '../context.ts';
import { givenFields, text } from '../forms.ts';
import { forbiddenUnless, safeNext } from '../guard.tsx';
import { TracePage } from '../pages/trace-page.tsx';
import { render } from '../render.ts';
import type { SessionStore } from '../session.ts';

/**
 * `/ui/trace`: the message trace of GET /api/trace as a page, with the same roles and the same checks; and a
 * delivery's Send again (POST /api/outbound/{facility}/resend with its event).
 */
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

  app.post('/trace/resend', async (c) => {
    const session = c.get('session');
    const denied = forbiddenUnless(c, sessions, mayUseRoute(session.grant.role, 'outboundResend'), 'send dispenses again');
    if (denied) return denied;
    const form = await c.req.parseBody();
    const back = safeNext(text(form, 'return')) ?? uiPath(['trace']);
    const facility = text(form, 'facility');
    const parsed = resendBody.safeParse({ event_ids: [text(form, 'event_id')], reason: text(form, 'reason') });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      session.flash = { kind: 'error', text: `Not sent again: ${issue.path[0] === 'reason' ? 'say why' : 'that is not an event id'}.` };
      return c.redirect(back, 303);
    }
    try {
      if (!deps.resends) throw new UnknownOutboundTargetError(facility);
      const job = await deps.resends.start({ facility, eventIds: parsed.data.event_ids, actor: session.grant.label, reason: parsed.data.reason });
      session.flash = { kind: 'ok', text: `Event ${parsed.data.event_ids![0]} is being sent again to the EHR of ${facility}; the Connections page shows how it went.` };
      c.get('log').info({ resend_id: job.id, target: facility }, 'resend of one event asked for from the web UI');
    } catch (err) {
      if (!(err instanceof UnknownOutboundTargetError || err instanceof ResendRunningError || err instanceof ResendNotRecordedError)) throw err;
      session.flash = { kind: 'error', text: `Not sent again: ${err.message}.` };
    }
    return c.redirect(back, 303);
  });
  return app;
}
