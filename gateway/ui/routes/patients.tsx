import { Hono } from 'hono';
import { z } from 'zod';
import type { HistoryQuery, PatientHistory } from '../../history/patient-history.ts';
import { identifierSchema } from '../../http/routes/tokens.ts';
import { pageContext, type UiDeps, type UiEnv } from '../context.ts';
import { text } from '../forms.ts';
import { forbiddenUnless } from '../guard.tsx';
import { PatientHistoryPage, type HistoryForm } from '../pages/patient-history-page.tsx';
import { render } from '../render.ts';
import type { SessionStore } from '../session.ts';

/** Events per page of a history. */
const PAGE = 100;

const historyRequest = z.object({
  kind: z.enum(['patient', 'encounter'], { error: 'choose a patient identifier or a visit number' }),
  identifier: identifierSchema,
  after: z.coerce.number().int().nonnegative().optional(),
});

/**
 * `/ui/patients`: one patient's or one stay's history (gateway/history/patient-history.ts), for the roles that may
 * read the ledger and ask for tokens. The identifier comes in a POST body and goes back into the page only.
 */
export function patientRoutes(deps: UiDeps & { sessions: SessionStore }) {
  const app = new Hono<UiEnv>();
  const { sessions } = deps;
  const allowed = (c: Parameters<typeof pageContext>[0]) => {
    const page = pageContext(c, sessions);
    return { page, denied: forbiddenUnless(c, sessions, page.mayUse('tokens') && deps.history !== undefined, 'read a patient history') };
  };

  app.get('/patients', (c) => {
    const { page, denied } = allowed(c);
    return denied ?? render(c, <PatientHistoryPage page={page} />);
  });

  app.post('/patients', async (c) => {
    const { page, denied } = allowed(c);
    if (denied) return denied;
    const body = await c.req.parseBody();
    const form: HistoryForm = { kind: text(body, 'kind'), value: text(body, 'value'), authority: text(body, 'authority'), type: text(body, 'type') };
    const parsed = historyRequest.safeParse({
      kind: form.kind,
      identifier: { value: form.value, authority: form.authority, type: form.type },
      after: text(body, 'after') || undefined,
    });
    if (!parsed.success) {
      const problems: Record<string, string> = {};
      for (const issue of parsed.error.issues) {
        const field = String(issue.path.at(-1) ?? 'value');
        problems[field] ??= issue.message;
      }
      return render(c, <PatientHistoryPage page={page} form={form} problems={problems} />, 422);
    }
    const query: HistoryQuery = { kind: parsed.data.kind, identifier: parsed.data.identifier, after: parsed.data.after, limit: PAGE };
    const history: PatientHistory = await deps.history!(query);
    return render(c, <PatientHistoryPage page={page} form={form} history={history} />);
  });
  return app;
}
