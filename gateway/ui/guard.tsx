import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { mayDo, type MappingAction } from '../../mappings/permissions.ts';
import { pageContext, UI_BASE, uiPath, type UiContext, type UiEnv } from './context.ts';
import { MessagePage } from './pages/message-page.tsx';
import { render } from './render.ts';
import { sameSecret, type SessionStore } from './session.ts';
import { CSS_HASH } from './styles.ts';

/**
 * What stands between a browser and the UI's routes: security headers on every answer, the session (a /ui route
 * without one redirects to the log-in page), the CSRF token on every POST, and the role check of each action
 * (a 403 page).
 */

export const SESSION_COOKIE = 'rxgate_ui_session';
export const LOGIN_COOKIE = 'rxgate_ui_login';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyContext = Context<any>;

/** The cookie is Secure when the page was served over https (directly, or by a proxy that says so). */
export function isHttps(c: AnyContext): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';
}

export function setSessionCookie(c: AnyContext, id: string): void {
  setCookie(c, SESSION_COOKIE, id, { path: UI_BASE, httpOnly: true, sameSite: 'Strict', secure: isHttps(c) });
}

export function clearSessionCookie(c: AnyContext): void {
  deleteCookie(c, SESSION_COOKIE, { path: UI_BASE, httpOnly: true, sameSite: 'Strict', secure: isHttps(c) });
}

/** The log-in form's CSRF token lives in its own short-lived cookie (double submit): there is no session yet. */
export function setLoginCookie(c: AnyContext, token: string): void {
  setCookie(c, LOGIN_COOKIE, token, { path: `${UI_BASE}/login`, httpOnly: true, sameSite: 'Strict', secure: isHttps(c), maxAge: 3600 });
}

export function clearLoginCookie(c: AnyContext): void {
  deleteCookie(c, LOGIN_COOKIE, { path: `${UI_BASE}/login`, httpOnly: true, sameSite: 'Strict', secure: isHttps(c) });
}

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src ${CSS_HASH}`,
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** No script at all, no framing, nothing cached: the pages show mapping data to the logged-in user only. */
export const securityHeaders: MiddlewareHandler<UiEnv> = async (c, next) => {
  await next();
  c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('X-Frame-Options', 'DENY');
  c.header('Referrer-Policy', 'same-origin');
  c.header('Cache-Control', 'no-store');
};

/** Only a path inside the UI may be where log-in returns to (no open redirect). */
export function safeNext(next: string | undefined): string | undefined {
  if (!next || next.length > 2000) return undefined;
  if (!(next === UI_BASE || next.startsWith(`${UI_BASE}/`) || next.startsWith(`${UI_BASE}?`))) return undefined;
  if (/[\\\u0000-\u001f]/.test(next) || next.startsWith('//')) return undefined;
  if (next.startsWith(`${UI_BASE}/login`)) return undefined;
  return next;
}

/** The session of the cookie, or a redirect to the log-in page (which returns here after a GET). */
export function requireSession(sessions: SessionStore): MiddlewareHandler<UiEnv> {
  return async (c, next) => {
    const id = getCookie(c, SESSION_COOKIE);
    const session = sessions.get(id);
    if (!session) {
      if (id) clearSessionCookie(c);
      const url = new URL(c.req.url);
      const back = c.req.method === 'GET' ? safeNext(url.pathname + url.search) : undefined;
      return c.redirect(uiPath(['login'], { next: back, ended: id ? '1' : undefined }), c.req.method === 'GET' ? 302 : 303);
    }
    c.set('session', session);
    c.set('sessionId', id!);
    c.set('grant', session.grant);
    await next();
  };
}

/**
 * Every POST carries the session's CSRF token in the form field `_csrf`; a browser that says the request comes
 * from another site (Sec-Fetch-Site) is refused as well. The cookie is SameSite=Strict besides.
 */
export function requireCsrf(sessions: SessionStore): MiddlewareHandler<UiEnv> {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const site = c.req.header('sec-fetch-site');
    let token: unknown;
    const type = c.req.header('content-type') ?? '';
    if (/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) {
      try {
        token = (await c.req.parseBody())._csrf;
      } catch {
        token = undefined;
      }
    }
    if (site === 'cross-site' || typeof token !== 'string' || !sameSecret(token, c.get('session').csrf)) {
      c.get('log')?.warn({ sec_fetch_site: site, path: c.req.path }, 'ui form refused: CSRF token missing or wrong');
      return render(
        c,
        <MessagePage title="This form has expired" page={pageContext(c, sessions)}>
          <p>
            The form was not sent from this session’s own page, or it is too old. Nothing was changed. Go back, reload
            the page and send it again.
          </p>
        </MessagePage>,
        403,
      );
    }
    await next();
  };
}

/** The 403 page when the session's role may not do `action`; undefined when it may. */
export function forbidden(c: UiContext, sessions: SessionStore, action: MappingAction, what: string): Promise<Response> | undefined {
  return forbiddenUnless(c, sessions, mayDo(c.get('session').grant.role, action), what);
}

/** The 403 page unless `allowed`: for what is not a mapping action (tracing a message). */
export function forbiddenUnless(c: UiContext, sessions: SessionStore, allowed: boolean, what: string): Promise<Response> | undefined {
  const role = c.get('session').grant.role;
  if (allowed) return undefined;
  return render(
    c,
    <MessagePage title="Not allowed" page={pageContext(c, sessions)}>
      <p>
        Your role, <strong>{role}</strong>, may not {what}. Ask an administrator if you need to.
      </p>
    </MessagePage>,
    403,
  );
}
