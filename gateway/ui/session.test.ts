import { describe, expect, it } from 'vitest';
import { parseTokens } from '../auth/tokens.ts';
import { sameSecret, SessionStore } from './session.ts';

const [grant] = parseTokens('analyst:analyst-token-0123456789', 'AUTH_TOKENS');

describe('UI sessions', () => {
  it('end after the idle time, after the maximum age whatever the use, and at log-out', () => {
    let now = 0;
    const store = new SessionStore({ idleMs: 1000, maxAgeMs: 5000, now: () => now });
    const a = store.create(grant!);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.session.csrf).not.toBe(a.id);
    for (now = 900; now <= 4900; now += 900) expect(store.get(a.id)).toBe(a.session);
    now = 5100;
    expect(store.get(a.id)).toBeUndefined();

    const b = store.create(grant!);
    now += 1001;
    expect(store.get(b.id)).toBeUndefined();
    const c = store.create(grant!);
    store.destroy(c.id);
    expect(store.get(c.id)).toBeUndefined();
    expect(store.get(undefined)).toBeUndefined();
    expect(store.get('x'.repeat(500))).toBeUndefined();
  });

  it('keeps at most maxSessions, dropping the least recently used', () => {
    const store = new SessionStore({ maxSessions: 2 });
    const a = store.create(grant!);
    const b = store.create(grant!);
    store.get(a.id);
    const c = store.create(grant!);
    expect(store.size).toBe(2);
    expect(store.get(b.id)).toBeUndefined();
    expect(store.get(a.id)).toBeDefined();
    expect(store.get(c.id)).toBeDefined();
  });

  it('shows a message once and drops a staged import after its time', () => {
    let now = 0;
    const store = new SessionStore({ stagedMs: 100, now: () => now });
    const { id, session } = store.create(grant!);
    session.flash = { kind: 'ok', text: 'saved' };
    expect(store.takeFlash(session)).toEqual({ kind: 'ok', text: 'saved' });
    expect(store.takeFlash(session)).toBeUndefined();
    session.staged = { id: 's', kind: 'csv', table: 'drugs', files: [], report: {} as never, stagedAt: 0 };
    now = 50;
    expect(store.get(id)?.staged?.id).toBe('s');
    now = 150;
    expect(store.get(id)?.staged).toBeUndefined();
  });

  it('compares secrets of any length without throwing', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abc', 'abd')).toBe(false);
    expect(sameSecret('abc', 'abcd')).toBe(false);
    expect(sameSecret('', 'a')).toBe(false);
  });
});
