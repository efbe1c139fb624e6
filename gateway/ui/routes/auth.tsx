import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { findGrant } from '../../auth/tokens.ts';
import { uiPath, type UiContext, type UiDeps, type UiEnv } from '../context.ts';
import { text } from '../forms.ts';
import { clearLoginCookie, clearSessionCookie, LOGIN_COOKIE, safeNext, SESSION_COOKIE, setLoginCookie, setSessionCookie } from '../guard.tsx';
import { LoginPage } from '../pages/login-page.tsx';
import { render } from '../render.ts';
import { randomToken, sameSecret, type Flash, type SessionStore } from '../session.ts';

/**
 * Log-in and log-out. The log-in form has no session yet, so its CSRF token is a double submit: a random value in
 * a short-lived SameSite=Strict cookie and the same value in the form. A good token gives a new session (never
 * reusing an id the browser had); the token itself is forgotten at once.
 */

export function loginRoutes(deps: UiDeps & { sessions: SessionStore }) {
  const app = new Hono<UiEnv>();
  const { sessions } = deps;

  const loginPage = (c: UiContext, status: 200 | 401 | 403, opts: { next?: string | undefined; error?: string; notice?: Flash }) => {
    const csrf = randomToken();
    setLoginCookie(c, csrf);
    return render(c, <LoginPage csrf={csrf} next={opts.next} error={opts.error} notice={opts.notice} />, status);
  };

  app.get('/login', async (c) => {
    const next = safeNext(c.req.query('next'));
    if (sessions.get(getCookie(c, SESSION_COOKIE))) return c.redirect(next ?? uiPath(), 302);
    const notice: Flash | undefined =
      c.req.query('out') === '1'
        ? { kind: 'ok', text: 'You are logged out.' }
        : c.req.query('ended') === '1'
          ? { kind: 'error', text: 'Your session has ended. Log in again to go on.' }
          : undefined;
    return loginPage(c, 200, { next, ...(notice ? { notice } : {}) });
  });

  app.post('/login', async (c) => {
    const type = c.req.header('content-type') ?? '';
    const body = /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type) ? await c.req.parseBody().catch(() => ({})) : {};
    const next = safeNext(text(body, 'next'));
    const expected = getCookie(c, LOGIN_COOKIE);
    const sent = text(body, '_csrf');
    if (c.req.header('sec-fetch-site') === 'cross-site' || !expected || !sent || !sameSecret(sent, expected)) {
      return loginPage(c, 403, { next, error: 'The log-in form had expired. Paste your token again.' });
    }
    const token = text(body, 'token').trim();
    const grant = token.length > 0 && token.length <= 4096 ? findGrant(deps.grants, token) : undefined;
    if (!grant) {
      c.get('log')?.info({ path: c.req.path }, 'ui log-in refused: unknown token');
      return loginPage(c, 401, { next, error: token ? 'This token is not valid.' : 'Paste your API token.' });
    }
    sessions.destroy(getCookie(c, SESSION_COOKIE));
    const { id } = sessions.create(grant);
    setSessionCookie(c, id);
    clearLoginCookie(c);
    c.get('log')?.info({ actor: grant.label }, 'ui log-in');
    return c.redirect(next ?? uiPath(), 303);
  });

  return app;
}

/** Log-out (behind the session and CSRF checks like every other POST). */
export function logoutRoutes(deps: { sessions: SessionStore }) {
  const app = new Hono<UiEnv>();
  app.post('/logout', async (c) => {
    deps.sessions.destroy(c.get('sessionId'));
    clearSessionCookie(c);
    return c.redirect(uiPath(['login'], { out: '1' }), 303);
  });
  return app;
}
