import { canonicalJson } from '../events/canonical-json.ts';
import { sha256Hex } from '../events/ids.ts';
import type { CanonicalEvent } from '../events/schema.ts';

/** DESIGN §4: the prev_hash of the first entry of every chain. */
export const GENESIS_PREV_HASH = '0'.repeat(64);

/** What one link of a chain commits to. recorded_at is ISO-8601 UTC with milliseconds (Date#toISOString). */
export interface LedgerHashedEntry {
  chain: string;
  seq: number;
  recorded_at: string;
  event: CanonicalEvent;
}

/**
 * hash = sha256hex(prev_hash || canonical_json({ chain, seq, recorded_at, event })). Chain and seq are inside the
 * hash so a row cannot be moved to another chain or position; recorded_at so the time of recording cannot be
 * rewritten either.
 */
export function ledgerEntryHash(prevHash: string, entry: LedgerHashedEntry): string {
  return sha256Hex(prevHash + canonicalJson({ chain: entry.chain, seq: entry.seq, recorded_at: entry.recorded_at, event: entry.event }));
}
