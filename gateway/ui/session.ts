import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TokenGrant } from '../auth/tokens.ts';
import type { ImportReport } from '../../mappings/service.ts';

/**
 * Sessions of the web UI, in memory. The browser holds only a random session id (in an HttpOnly, SameSite=Strict
 * cookie); the map is keyed by the id's sha256, so the ids themselves are not kept either. A session carries the
 * grant of the token the user pasted at log-in (never the token), its CSRF token, a one-shot message for the next
 * page, and at most one import waiting for confirmation.
 *
 * A session ends after `idleMs` without a request, after `maxAgeMs` in any case, and at log-out. Sessions do not
 * survive a restart of the gateway, and each gateway instance has its own: behind a load balancer the UI needs
 * sticky sessions.
 */

export interface Flash {
  kind: 'ok' | 'error';
  text: string;
}

/** An uploaded import the user previewed and may confirm (the bytes stay here until then). */
export interface StagedImport {
  id: string;
  kind: 'csv' | 'fda';
  /** csv: the table it is for */
  table?: string;
  files: { field: 'file' | 'product' | 'package'; name: string; bytes: Uint8Array }[];
  /** the dry run's report, shown again if the confirmation needs correcting */
  report: ImportReport;
  stagedAt: number;
}

export interface UiSession {
  grant: TokenGrant;
  /** the CSRF token every form of this session posts back */
  csrf: string;
  createdAt: number;
  lastSeenAt: number;
  flash?: Flash;
  staged?: StagedImport;
}

export interface SessionOptions {
  /** a session unused this long ends (default 30 minutes) */
  idleMs?: number;
  /** a session ends this long after log-in whatever happens (default 8 hours) */
  maxAgeMs?: number;
  /** at most this many sessions; the least recently used ends first (default 10,000) */
  maxSessions?: number;
  /** a staged import is dropped after this long (default 30 minutes) */
  stagedMs?: number;
  now?: () => number;
}

export const SESSION_DEFAULTS = { idleMs: 30 * 60_000, maxAgeMs: 8 * 3600_000, maxSessions: 10_000, stagedMs: 30 * 60_000 } as const;

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Constant-time comparison of two strings (different lengths compare unequal without revealing where). */
export function sameSecret(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y) && a.length === b.length;
}

function keyOf(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

export class SessionStore {
  private readonly sessions = new Map<string, UiSession>();
  private readonly idleMs: number;
  private readonly maxAgeMs: number;
  private readonly maxSessions: number;
  private readonly stagedMs: number;
  private readonly now: () => number;

  constructor(opts: SessionOptions = {}) {
    this.idleMs = opts.idleMs ?? SESSION_DEFAULTS.idleMs;
    this.maxAgeMs = opts.maxAgeMs ?? SESSION_DEFAULTS.maxAgeMs;
    this.maxSessions = opts.maxSessions ?? SESSION_DEFAULTS.maxSessions;
    this.stagedMs = opts.stagedMs ?? SESSION_DEFAULTS.stagedMs;
    this.now = opts.now ?? Date.now;
  }

  /** The store's clock (what staged imports are timed by). */
  time(): number {
    return this.now();
  }

  get size(): number {
    return this.sessions.size;
  }

  /** A new session for `grant`; returns the id the cookie carries. */
  create(grant: TokenGrant): { id: string; session: UiSession } {
    this.sweep();
    while (this.sessions.size >= this.maxSessions) {
      // Map iteration order is insertion order and get() re-inserts: the first key is the least recently used.
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    const id = randomToken();
    const at = this.now();
    const session: UiSession = { grant, csrf: randomToken(), createdAt: at, lastSeenAt: at };
    this.sessions.set(keyOf(id), session);
    return { id, session };
  }

  /** The live session of this id (and it counts as used now), or undefined when unknown or expired. */
  get(id: string | undefined): UiSession | undefined {
    if (!id || id.length > 200) return undefined;
    const key = keyOf(id);
    const session = this.sessions.get(key);
    if (!session) return undefined;
    const at = this.now();
    if (this.expired(session, at)) {
      this.sessions.delete(key);
      return undefined;
    }
    session.lastSeenAt = at;
    if (session.staged && at - session.staged.stagedAt > this.stagedMs) delete session.staged;
    this.sessions.delete(key);
    this.sessions.set(key, session);
    return session;
  }

  destroy(id: string | undefined): void {
    if (id) this.sessions.delete(keyOf(id));
  }

  /** Takes the one-shot message of a session (it is shown once). */
  takeFlash(session: UiSession): Flash | undefined {
    const flash = session.flash;
    delete session.flash;
    return flash;
  }

  private expired(s: UiSession, at: number): boolean {
    return at - s.lastSeenAt > this.idleMs || at - s.createdAt > this.maxAgeMs;
  }

  /** Drops every expired session. */
  sweep(): void {
    const at = this.now();
    for (const [key, s] of this.sessions) if (this.expired(s, at)) this.sessions.delete(key);
  }
}
