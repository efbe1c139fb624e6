import { Hono } from 'hono';
import { ResendNotRecordedError, ResendRunningError, UnknownOutboundTargetError } from '../../../adapters/hl7v2/outbound/resends.ts';
import { resendBody } from '../../http/routes/outbound.ts';
import { zodProblems } from '../../../mappings/zod-problems.ts';
import type { ResendFormState } from '../components/resend-form.tsx';
import { mayUseRoute, pageContext, uiPath, type PageContext, type UiDeps, type UiEnv } from '../context.ts';
import { placeProblems, text } from '../forms.ts';
import { forbiddenUnless } from '../guard.tsx';
import { ConnectionsPage } from '../pages/connections-page.tsx';
import { render } from '../render.ts';
import type { SessionStore } from '../session.ts';

const FIELD_LABELS: Record<string, string> = { since: 'Recorded since', until: 'Recorded before', reason: 'Why' };

/** `/ui/connections`: GET /api/mllp/status as a page, with the resends to EHRs and a form to start one. */
export function connectionRoutes(deps: UiDeps & { sessions: SessionStore }) {
  const app = new Hono<UiEnv>();
  const { sessions } = deps;
  /** The page as it stands now; `form`: the resend form as it was sent, with its problems or its count. */
  const connectionsPage = async (page: PageContext, form?: ResendFormState) => (
    <ConnectionsPage page={page} status={await deps.mllpStatus()} resends={(await deps.resends?.list()) ?? []} resendForm={form} />
  );

  app.get('/connections', async (c) => {
    const page = pageContext(c, sessions);
    return forbiddenUnless(c, sessions, page.mayUse('status'), 'see the connections') ?? render(c, await connectionsPage(page));
  });

  app.post('/connections/resend', async (c) => {
    // The role from the session, not pageContext: that would take the message meant for the page after the redirect.
    const session = c.get('session');
    const denied = forbiddenUnless(c, sessions, mayUseRoute(session.grant.role, 'outboundResend'), 'send dispenses again');
    if (denied) return denied;
    const form = await c.req.parseBody();
    const values = { facility: text(form, 'facility').trim(), since: text(form, 'since').trim(), until: text(form, 'until').trim(), reason: text(form, 'reason') };
    const parsed = resendBody.safeParse({ since: values.since, until: values.until === '' ? undefined : values.until, reason: values.reason });
    if (!parsed.success) {
      const placed = placeProblems(zodProblems(parsed.error), new Set(['since', 'until', 'reason']), { label: (field) => FIELD_LABELS[field] ?? field });
      const state: ResendFormState = { values, ...placed };
      return render(c, await connectionsPage(pageContext(c, sessions), state), 422);
    }
    try {
      if (!deps.resends) throw new UnknownOutboundTargetError(values.facility);
      const { since, until, reason } = parsed.data;
      const request = { facility: values.facility, since: new Date(since!), until: until === undefined ? undefined : new Date(until), actor: session.grant.label, reason };
      if (text(form, 'action') === 'count') {
        const state: ResendFormState = { values, errors: {}, summary: [], preview: await deps.resends.preview(request) };
        return render(c, await connectionsPage(pageContext(c, sessions), state));
      }
      const job = await deps.resends.start(request);
      session.flash = { kind: 'ok', text: `Resend to the EHR of ${job.facility} started: the dispenses recorded from ${job.since} to ${job.until} go again, one after the other.` };
      c.get('log').info({ resend_id: job.id, target: job.facility }, 'resend to the EHR asked for from the web UI');
    } catch (err) {
      if (!(err instanceof UnknownOutboundTargetError || err instanceof ResendRunningError || err instanceof ResendNotRecordedError)) throw err;
      session.flash = { kind: 'error', text: `No resend started: ${err.message}.` };
    }
    return c.redirect(uiPath(['connections']), 303);
  });

  app.post('/connections/resends/:id/cancel', async (c) => {
    const session = c.get('session');
    const denied = forbiddenUnless(c, sessions, mayUseRoute(session.grant.role, 'outboundResend'), 'cancel resends');
    if (denied) return denied;
    const id = c.req.param('id');
    const outcome = deps.resends && /^[0-9a-f-]{36}$/.test(id) ? await deps.resends.cancel(id, session.grant.label) : null;
    if (!outcome) session.flash = { kind: 'error', text: `There is no resend ${id.slice(0, 64)}.` };
    else if (outcome.cancelled) session.flash = { kind: 'ok', text: `Resend to the EHR of ${outcome.job.facility} cancelled: it stops after the dispense it is sending.` };
    else session.flash = { kind: 'error', text: `The resend to the EHR of ${outcome.job.facility} had ended already (${outcome.job.state}).` };
    return c.redirect(uiPath(['connections']), 303);
  });

  return app;
}
