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
  return ledgerEntryHashFromJson(prevHash, entry, canonicalJson(entry.event));
}

/**
 * The same hash when the event's canonical JSON is already at hand (the writer sends that very text to the
 * database). The entry's keys in RFC 8785 order are chain, event, recorded_at, seq, so the entry's canonical JSON
 * is assembled around the event's without serialising the event a second time.
 */
export function ledgerEntryHashFromJson(prevHash: string, entry: Omit<LedgerHashedEntry, 'event'>, eventJson: string): string {
  const entryJson = `{"chain":${JSON.stringify(entry.chain)},"event":${eventJson},"recorded_at":${JSON.stringify(entry.recorded_at)},"seq":${canonicalJson(entry.seq)}}`;
  return sha256Hex(prevHash + entryJson);
}
