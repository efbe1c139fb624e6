import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { storableText } from '../../mappings/entities/fields.ts';
import { unreachableServer } from '../http/errors.ts';
import { rootMessage } from '../store/pg-errors.ts';
import { pageContext, UI_BASE, type UiDeps, type UiEnv } from './context.ts';
import { requireCsrf, requireSession, securityHeaders } from './guard.tsx';
import { HomePage } from './pages/home-page.tsx';
import { MessagePage } from './pages/message-page.tsx';
import { render } from './render.ts';
import { loginRoutes, logoutRoutes } from './routes/auth.tsx';
import { connectionRoutes } from './routes/connections.tsx';
import { deadLetterRoutes } from './routes/dead-letters.tsx';
import { importRoutes } from './routes/import.tsx';
import { pendingRoutes } from './routes/pending.tsx';
import { quarantineRoutes } from './routes/quarantine.tsx';
import { tablesRoutes } from './routes/tables.tsx';
import { patientRoutes } from './routes/patients.tsx';
import { traceRoutes } from './routes/trace.tsx';
import { SessionStore } from './session.ts';

/**
 * The analysts' web UI, mounted at /ui (gateway/http/app.ts, when the mapping engine runs): server-rendered pages,
 * plain HTML forms and links, no script. Log-in takes an API token and gives a session cookie; every other route
 * needs that session (else a redirect to the log-in page), every POST its CSRF token, and every action the role
 * the API would ask for (else a 403 page). Pages call the mapping service layer, the trace, the quarantine and dead
 * letters, and the MLLP status directly (UiDeps), never over HTTP.
 */

/** Forms other than imports are small. */
const FORM_MAX_BYTES = 256 * 1024;

export type { UiDeps } from './context.ts';

export function uiRoutes(deps: UiDeps) {
  const sessions = deps.sessions ?? new SessionStore();
  const full = { ...deps, sessions };
  const app = new Hono<UiEnv>();

  app.use('*', securityHeaders);
  // Text the database cannot hold (NUL) never reaches a query: the page says so instead of failing.
  app.use('*', async (c, next) => {
    const url = new URL(c.req.url);
    let bad = false;
    try {
      bad = !storableText(decodeURIComponent(url.pathname)) || [...url.searchParams.entries()].some(([k, v]) => !storableText(k) || !storableText(v));
    } catch {
      bad = true;
    }
    if (bad) return c.html('<!DOCTYPE html><title>Bad request</title><p>The address has characters that are not allowed.</p>', 400);
    await next();
  });
  const tooLarge = (max: number) =>
    bodyLimit({
      maxSize: max,
      onError: (c) => c.html(`<!DOCTYPE html><title>Too large</title><p>The upload is larger than ${max} bytes. Nothing was changed.</p>`, 413),
    });
  app.use('*', async (c, next) => {
    if (c.req.method !== 'POST') return next();
    return (c.req.path === `${UI_BASE}/import/preview` ? tooLarge(deps.importMaxBytes) : tooLarge(FORM_MAX_BYTES))(c, next);
  });

  app.route('/', loginRoutes(full));

  // Everything below needs a session, and every POST its CSRF token.
  app.use('*', requireSession(sessions));
  app.use('*', requireCsrf(sessions));
  app.route('/', logoutRoutes(full));

  app.get('/', async (c) => {
    const page = pageContext(c, sessions);
    const diagnostics = page.may('diagnostics') ? await deps.mappings.diagnostics() : undefined;
    return render(c, <HomePage page={page} diagnostics={diagnostics} />);
  });
  app.route('/', tablesRoutes(full));
  app.route('/', pendingRoutes(full));
  app.route('/', importRoutes(full));
  app.route('/', traceRoutes(full));
  app.route('/', patientRoutes(full));
  app.route('/', quarantineRoutes(full));
  app.route('/', deadLetterRoutes(full));
  app.route('/', connectionRoutes(full));

  app.all('*', (c) => {
    if (c.req.method === 'GET' && c.req.path === `${UI_BASE}/`) return c.redirect(UI_BASE, 301);
    return render(
      c,
      <MessagePage title="Page not found" page={pageContext(c, sessions)}>
        <p>There is no page at this address.</p>
      </MessagePage>,
      404,
    );
  });

  app.onError((err, c) => {
    const log = c.get('log');
    const session = c.get('session');
    const away = unreachableServer(err);
    if (away) {
      // PostgreSQL or NATS away for a moment: the same request will work once it is back, as the API's 503 says.
      log?.warn({ error: rootMessage(err) }, `ui: the ${away} is unavailable: the page was answered 503`);
      c.header('Retry-After', '5');
      return render(
        c,
        <MessagePage title="Try again in a moment" page={session ? pageContext(c, sessions) : undefined}>
          <p>
            The gateway cannot reach its {away} just now, so it could not complete this request. Try again in a moment
            {c.req.method === 'GET' ? '' : '; if you were saving a change, look whether it was saved before you send it again'}. The correlation
            id <code>{c.get('correlationId') ?? ''}</code> finds it in the logs.
          </p>
        </MessagePage>,
        503,
      );
    }
    log?.error({ error: err.message, stack: err.stack }, 'ui: unhandled error');
    return render(
      c,
      <MessagePage title="Something went wrong" page={session ? pageContext(c, sessions) : undefined}>
        <p>
          The gateway could not complete this request, and nothing more than what the page says was changed. The correlation id{' '}
          <code>{c.get('correlationId') ?? ''}</code> finds it in the logs.
        </p>
      </MessagePage>,
      500,
    );
  });

  return app;
}
