import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../events/schema.ts';
import { canonicalJson } from '../events/canonical-json.ts';
import { assertStorableEvent, storableEventJson, UnstorableEventError } from './unstorable-text.ts';

const base = { id: 'e-1', idempotency_key: 'k-1', facility_id: 'F1' };
const asEvent = (extra: Record<string, unknown>) => ({ ...base, ...extra }) as unknown as CanonicalEvent;

describe('assertStorableEvent', () => {
  it('accepts ordinary text, including paired surrogates (emoji) and other controls', () => {
    expect(() => assertStorableEvent(asEvent({ payload: { note: 'ok 😀 \u0001\u001f\u2028', list: ['a', { b: 'c' }] } }))).not.toThrow();
  });

  it('names the event and the path of a NUL character', () => {
    const error = (() => {
      try {
        assertStorableEvent(asEvent({ payload: { lines: ['fine', 'bad\u0000'] } }));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UnstorableEventError);
    expect(error).toMatchObject({ eventId: 'e-1', idempotencyKey: 'k-1', path: '$.payload.lines[1]', reason: 'nul_character' });
    expect((error as Error).message).toBe('event e-1 cannot be stored: $.payload.lines[1] holds a NUL character (U+0000), which PostgreSQL jsonb refuses');
  });

  it.each([
    ['a lone high surrogate', 'x\ud800y'],
    ['a lone high surrogate at the end', 'x\ud83d'],
    ['a lone low surrogate', '\ude00x'],
    ['two high surrogates', '\ud83d\ud83d\ude00'],
  ])('refuses %s', (_, text) => {
    expect(() => assertStorableEvent(asEvent({ payload: { text } }))).toThrow(
      expect.objectContaining({ path: '$.payload.text', reason: 'unpaired_surrogate' }),
    );
  });

  it('checks member names too', () => {
    expect(() => assertStorableEvent(asEvent({ payload: { 'k\u0000': 1 } }))).toThrow(expect.objectContaining({ path: '$.payload.k\u0000' }));
  });
});

describe('storableEventJson', () => {
  it('is the RFC 8785 text of a storable event', () => {
    const event = asEvent({ payload: { z: 1, a: ['😀', 'a backslash then u0000: \\u0000'] } });
    expect(storableEventJson(event)).toBe(canonicalJson(event));
  });

  it.each([
    ['a NUL character', { note: 'a\u0000b' }, 'nul_character', '$.payload.note'],
    ['a NUL in a member name', { ['k\u0000']: 1 }, 'nul_character', '$.payload.k\u0000'],
    ['an unpaired surrogate', { note: 'x\ud800' }, 'unpaired_surrogate', '$.payload.note'],
  ])('refuses %s as assertStorableEvent does, naming the field', (_, payload, reason, path) => {
    expect(() => storableEventJson(asEvent({ payload }))).toThrow(expect.objectContaining({ name: 'UnstorableEventError', reason, path }));
  });

  it('passes on what canonical JSON cannot encode for other reasons', () => {
    expect(() => storableEventJson(asEvent({ payload: { n: Number.NaN } }))).toThrow(TypeError);
  });
});
