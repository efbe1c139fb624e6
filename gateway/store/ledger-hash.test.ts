import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../events/schema.ts';
import { GENESIS_PREV_HASH, ledgerEntryHash } from './ledger-hash.ts';

describe('ledgerEntryHash', () => {
  // A deliberately small "event": the hash does not care about the event schema, only its canonical JSON.
  const event = { type: 'rx.dispense', facility_id: 'F1', quantity: { value: 30, unit: 'tab' }, id: 'e-1' } as unknown as CanonicalEvent;
  const entry = { chain: 'F1', seq: 1, recorded_at: '2026-01-02T03:04:05.678Z', event };
  // Written by hand from DESIGN §4 and RFC 8785: members sorted (chain, event, recorded_at, seq; inside the event
  // facility_id, id, quantity, type), no whitespace.
  const canonicalEntry =
    '{"chain":"F1","event":{"facility_id":"F1","id":"e-1","quantity":{"unit":"tab","value":30},"type":"rx.dispense"},' +
    '"recorded_at":"2026-01-02T03:04:05.678Z","seq":1}';

  it('is sha256 over the previous hash followed by the canonical entry, genesis = 64 zeros', () => {
    expect(GENESIS_PREV_HASH).toBe('0000000000000000000000000000000000000000000000000000000000000000');
    const expected = createHash('sha256').update(`${GENESIS_PREV_HASH}${canonicalEntry}`).digest('hex');
    expect(ledgerEntryHash(GENESIS_PREV_HASH, entry)).toBe(expected);
  });

  it('chains: the next entry commits to the previous hash', () => {
    const first = ledgerEntryHash(GENESIS_PREV_HASH, entry);
    const second = { ...entry, seq: 2 };
    const expected = createHash('sha256').update(`${first}${canonicalEntry.replace('"seq":1', '"seq":2')}`).digest('hex');
    expect(ledgerEntryHash(first, second)).toBe(expected);
  });

  it('changes with the chain, the seq, the recording time, the event and the previous hash', () => {
    const base = ledgerEntryHash(GENESIS_PREV_HASH, entry);
    const variants = [
      ledgerEntryHash(GENESIS_PREV_HASH, { ...entry, chain: 'F2' }),
      ledgerEntryHash(GENESIS_PREV_HASH, { ...entry, seq: 2 }),
      ledgerEntryHash(GENESIS_PREV_HASH, { ...entry, recorded_at: '2026-01-02T03:04:05.679Z' }),
      ledgerEntryHash(GENESIS_PREV_HASH, { ...entry, event: { ...event, quantity: { value: 31, unit: 'tab' } } as CanonicalEvent }),
      ledgerEntryHash('f'.repeat(64), entry),
    ];
    expect(new Set([base, ...variants]).size).toBe(6);
  });

  it('does not depend on member order or on undefined members of the event', () => {
    const reordered = { id: 'e-1', quantity: { unit: 'tab', value: 30 }, facility_id: 'F1', type: 'rx.dispense', note: undefined } as unknown as CanonicalEvent;
    expect(ledgerEntryHash(GENESIS_PREV_HASH, { ...entry, event: reordered })).toBe(ledgerEntryHash(GENESIS_PREV_HASH, entry));
  });
});
