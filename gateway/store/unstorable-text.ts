import { canonicalJson } from '../events/canonical-json.ts';
import type { CanonicalEvent } from '../events/schema.ts';

/**
 * PostgreSQL's jsonb refuses two things JavaScript strings can hold: U+0000 and unpaired UTF-16 surrogates. An event
 * carrying either would fail its whole batch at INSERT with an error that does not say which event; checking first
 * lets the ledger name the event and the field (and lets the caller quarantine that one event).
 */
export class UnstorableEventError extends Error {
  constructor(
    readonly eventId: string,
    readonly idempotencyKey: string,
    /** JSON path of the offending string or key, e.g. `$.payload.note`. */
    readonly path: string,
    readonly reason: 'nul_character' | 'unpaired_surrogate',
  ) {
    super(
      `event ${eventId} cannot be stored: ${path} holds ${reason === 'nul_character' ? 'a NUL character (U+0000)' : 'an unpaired UTF-16 surrogate'}, which PostgreSQL jsonb refuses`,
    );
    this.name = 'UnstorableEventError';
  }
}

// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Text PostgreSQL can store (and compare): no NUL character, no unpaired surrogate. */
export function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}

export function assertStorableEvent(event: CanonicalEvent): void {
  const found = findUnstorable(event, '$');
  if (found) throw new UnstorableEventError(String(event.id), String(event.idempotency_key), found.path, found.reason);
}

/**
 * The event's RFC 8785 text — what the bus carries and the ledger hashes and stores — or UnstorableEventError as
 * assertStorableEvent throws it. One serialisation does both jobs: JSON writes U+0000 as the escape `\u0000` and
 * canonicalJson refuses an unpaired surrogate, so the event is walked (to name the field) only when either shows.
 */
export function storableEventJson(event: CanonicalEvent): string {
  let text: string;
  try {
    text = canonicalJson(event);
  } catch (err) {
    assertStorableEvent(event);
    throw err;
  }
  if (text.includes('\\u0000')) assertStorableEvent(event);
  return text;
}

function findUnstorable(value: unknown, path: string): { path: string; reason: UnstorableEventError['reason'] } | undefined {
  if (typeof value === 'string') return check(value, path);
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorable(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, child] of Object.entries(value)) {
    const childPath = `${path}.${key}`;
    const found = check(key, childPath) ?? findUnstorable(child, childPath);
    if (found) return found;
  }
  return undefined;
}

function check(text: string, path: string): { path: string; reason: UnstorableEventError['reason'] } | undefined {
  const match = UNSTORABLE.exec(text);
  if (!match) return undefined;
  return { path, reason: match[0] === '\u0000' ? 'nul_character' : 'unpaired_surrogate' };
}
