import { Hono } from 'hono';
import { ConflictError, NotFoundError, ValidationError } from '../../../mappings/service-errors.ts';
import { pageContext, uiPath, type UiContext, type UiDeps, type UiEnv } from '../context.ts';
import { placeProblems, text } from '../forms.ts';
import { forbidden } from '../guard.tsx';
import { MessagePage } from '../pages/message-page.tsx';
import { PendingListPage, type PendingFilter } from '../pages/pending-list-page.tsx';
import { NEW_DRUG_FIELDS, PendingPage, type PendingFormState } from '../pages/pending-page.tsx';
import { render } from '../render.ts';
import type { SessionStore } from '../session.ts';

/** The pending queue (`/ui/pending`), one code with suggestions, and the one-click resolution. */

const PAGE_SIZE = 50;

export function pendingRoutes(deps: UiDeps & { sessions: SessionStore }) {
  const app = new Hono<UiEnv>();
  const { sessions } = deps;
  const pending = deps.mappings.pending;
  const page = (c: UiContext) => pageContext(c, sessions);

  const idOf = (c: UiContext): number | undefined => {
    const raw = c.req.param('id') ?? '';
    return /^\d{1,12}$/.test(raw) && Number(raw) > 0 ? Number(raw) : undefined;
  };
  const notFound = (c: UiContext) =>
    render(
      c,
      <MessagePage title="Not found" page={page(c)} back={{ href: uiPath(['pending']), text: 'Back to the pending codes' }}>
        <p>There is no pending code {c.req.param('id')}.</p>
      </MessagePage>,
      404,
    );

  app.get('/pending', async (c) => {
    const denied = forbidden(c, sessions, 'pendingRead', 'see the pending codes');
    if (denied) return denied;
    const raw = c.req.query('status');
    const status: PendingFilter = raw === 'resolved' || raw === 'all' ? raw : 'open';
    const afterRaw = c.req.query('after');
    const after = afterRaw && /^\d{1,12}$/.test(afterRaw) ? Number(afterRaw) : undefined;
    const list = await pending.list({ ...(status === 'all' ? {} : { status }), ...(after !== undefined ? { after } : {}), limit: PAGE_SIZE });
    return render(c, <PendingListPage page={page(c)} status={status} entries={list.entries} after={after} nextAfter={list.next_after} />);
  });

  const detail = async (c: UiContext, id: number, q: string, state?: PendingFormState, status: 200 | 409 | 422 = 200) => {
    const p = await pending.get(id);
    const suggestions = p.status === 'open' || p.waiting > 0 ? await pending.suggestions(id, { ...(q ? { text: q } : {}), limit: 10 }) : [];
    return render(c, <PendingPage page={page(c)} pending={p} suggestions={suggestions} q={q} state={state} />, status);
  };

  app.get('/pending/:id', async (c) => {
    const denied = forbidden(c, sessions, 'pendingRead', 'see the pending codes');
    if (denied) return denied;
    const id = idOf(c);
    if (id === undefined) return notFound(c);
    const q = (c.req.query('q') ?? '').trim().slice(0, 200);
    try {
      return await detail(c, id, q);
    } catch (err) {
      if (err instanceof NotFoundError) return notFound(c);
      throw err;
    }
  });

  app.post('/pending/:id/resolve', async (c) => {
    const denied = forbidden(c, sessions, 'pendingResolve', 'resolve pending codes');
    if (denied) return denied;
    const id = idOf(c);
    if (id === undefined) return notFound(c);
    const body = await c.req.parseBody();
    const form = text(body, 'form') === 'other' ? 'other' : 'suggestion';
    const prefix = form === 'other' ? 'o' : 's';
    const values: Record<string, string> = { ndc11: text(body, 'ndc11'), schedule: text(body, 'schedule'), reason: text(body, 'reason') };
    const drug: Record<string, unknown> = {};
    if (form === 'other') {
      for (const f of NEW_DRUG_FIELDS) {
        const v = text(body, `drug_${f.name}`);
        values[`drug_${f.name}`] = v;
        if (v.trim() !== '') drug[f.name] = v;
      }
    }
    const grant = c.get('session').grant;
    try {
      const result = await pending.resolve(
        id,
        { ndc11: values.ndc11!, ...(values.schedule ? { schedule: values.schedule } : {}), ...(Object.keys(drug).length > 0 ? { drug } : {}) },
        { actor: grant.label, reason: values.reason!, correlationId: c.get('correlationId') },
      );
      const r = result.release;
      const written = result.changes.map((ch) => `${ch.entry?.table ?? 'mapping'} ${ch.entry?.key ?? ''} v${ch.version.version}`).join(', ');
      c.get('session').flash = {
        kind: 'ok',
        text:
          `Resolved ${result.pending.system} ${result.pending.code} to ${String(result.pending.resolution?.ndc11 ?? values.ndc11)}: ` +
          `${r.released} parked ${r.released === 1 ? 'event' : 'events'} released, ${r.recorded} recorded in the ledger` +
          `${r.still_unmapped > 0 ? `, ${r.still_unmapped} still unmapped` : ''}.` +
          (written ? ` Mappings written: ${written}.` : ''),
      };
      return c.redirect(uiPath(['pending', id]), 303);
    } catch (err) {
      if (err instanceof NotFoundError) return notFound(c);
      if (err instanceof ValidationError) {
        // ndc11 is a field only of the "another NDC" form; for a suggestion it is the button's value.
        const shown = new Set(form === 'other' ? ['ndc11', 'schedule', 'reason', ...NEW_DRUG_FIELDS.map((f) => `drug.${f.name}`)] : ['schedule', 'reason']);
        const placed = placeProblems(err.problems, shown, {
          ids: (field) => `${prefix}-${field.replace('.', '-')}`,
          label: (field) => (field.startsWith('drug.') ? `New drug ${field.slice(5).replace(/_/g, ' ')}` : field === 'ndc11' ? 'NDC' : field === 'schedule' ? 'DEA schedule' : field === 'reason' ? 'Why' : field),
        });
        const errors: Record<string, string[]> = {};
        for (const [field, messages] of Object.entries(placed.errors)) errors[`${prefix}-${field.replace('.', '-')}`] = messages;
        return detail(c, id, '', { form, values, errors, problems: placed.summary }, 422);
      }
      if (err instanceof ConflictError) {
        return detail(c, id, '', { form, values, errors: {}, problems: [{ label: 'Resolution', message: err.message }] }, 409);
      }
      throw err;
    }
  });

  return app;
}
