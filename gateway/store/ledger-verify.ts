import { and, asc, eq, sql } from 'drizzle-orm';
import { eventClass } from '../events/schema.ts';
import type { Store } from './db.ts';
import { isoUtcMillis } from './iso-timestamp-sql.ts';
import { GENESIS_PREV_HASH, ledgerEntryHash } from './ledger-hash.ts';
import { ledger } from './schema.ts';

export interface VerifyReport {
  ok: boolean;
  chains: { chain: string; entries: number; head_seq: number; head_hash: string }[];
  first_break?: LedgerBreak;
}

export interface LedgerBreak {
  chain: string;
  /** The entry at fault; for a gap, the first missing seq. */
  seq: number;
  /**
   * hash_mismatch: the stored hash is not the one recomputed from the row (expected = recomputed, found = stored).
   * prev_hash_mismatch: prev_hash is not the previous entry's hash (expected = previous hash, found = prev_hash).
   * gap: a seq is missing (expected_seq, found_seq = the next seq present).
   * column_mismatch: an indexed copy of an event field (event_id, idempotency_key, type, class, chain) differs from
   * the event the hash covers (column, expected_value from the event, found_value in the column).
   */
  kind: 'hash_mismatch' | 'prev_hash_mismatch' | 'gap' | 'column_mismatch';
  expected_hash?: string;
  found_hash?: string;
  expected_seq?: number;
  found_seq?: number;
  column?: string;
  expected_value?: string;
  found_value?: string;
  message: string;
}

/** Rows read per query: memory stays bounded whatever the size of the ledger. */
const PAGE_ROWS = 1000;

const verifyColumns = {
  chain: ledger.chain,
  seq: ledger.seq,
  eventId: ledger.eventId,
  idempotencyKey: ledger.idempotencyKey,
  type: ledger.type,
  class: ledger.class,
  recordedAt: isoUtcMillis(ledger.recordedAt),
  event: ledger.event,
  prevHash: ledger.prevHash,
  hash: ledger.hash,
};

/** One page in (chain, seq) order, after the keyset cursor. */
function readPage(store: Store, chain: string | undefined, after: { chain: string; seq: number } | undefined) {
  return store.db
    .select(verifyColumns)
    .from(ledger)
    .where(
      and(
        chain !== undefined ? eq(ledger.chain, chain) : undefined,
        after ? sql`(${ledger.chain}, ${ledger.seq}) > (${after.chain}::text, ${after.seq}::bigint)` : undefined,
      ),
    )
    .orderBy(asc(ledger.chain), asc(ledger.seq))
    .limit(PAGE_ROWS);
}
type VerifyRow = Awaited<ReturnType<typeof readPage>>[number];

interface ChainState {
  chain: string;
  entries: number;
  headSeq: number;
  headHash: string;
}

/**
 * Recomputes every chain (or one) from its rows in (chain, seq) order, re-canonicalising each event as the database
 * gives it back, and names the first broken link. It cannot see entries removed from the end of a chain: the signed
 * checkpoints of the chain heads (DESIGN §4) are what catch that.
 */
export async function verifyLedger(store: Store, opts: { chain?: string } = {}): Promise<VerifyReport> {
  const chains: VerifyReport['chains'] = [];
  let firstBreak: LedgerBreak | undefined;
  let state: ChainState | undefined;
  let after: { chain: string; seq: number } | undefined;
  for (;;) {
    const page = await readPage(store, opts.chain, after);
    for (const row of page) {
      if (state?.chain !== row.chain) {
        if (state) chains.push(summary(state));
        state = { chain: row.chain, entries: 0, headSeq: 0, headHash: GENESIS_PREV_HASH };
      }
      firstBreak ??= checkLink(state, row);
      state.entries++;
      state.headSeq = row.seq;
      state.headHash = row.hash;
    }
    const last = page.at(-1);
    if (page.length < PAGE_ROWS || !last) break;
    after = { chain: last.chain, seq: last.seq };
  }
  if (state) chains.push(summary(state));
  return firstBreak ? { ok: false, chains, first_break: firstBreak } : { ok: true, chains };
}

function checkLink(previous: ChainState, row: VerifyRow): LedgerBreak | undefined {
  const { chain } = row;
  const expectedSeq = previous.headSeq + 1;
  if (row.seq !== expectedSeq) {
    return {
      chain,
      seq: expectedSeq,
      kind: 'gap',
      expected_seq: expectedSeq,
      found_seq: row.seq,
      message: `chain ${chain}: entry ${expectedSeq} is missing (the entry after ${previous.headSeq} is ${row.seq})`,
    };
  }
  if (row.prevHash !== previous.headHash) {
    return {
      chain,
      seq: row.seq,
      kind: 'prev_hash_mismatch',
      expected_hash: previous.headHash,
      found_hash: row.prevHash,
      message: `chain ${chain}: entry ${row.seq} does not point at the hash of entry ${previous.headSeq}`,
    };
  }
  const recomputed = ledgerEntryHash(row.prevHash, { chain, seq: row.seq, recorded_at: row.recordedAt, event: row.event });
  if (recomputed !== row.hash) {
    return {
      chain,
      seq: row.seq,
      kind: 'hash_mismatch',
      expected_hash: recomputed,
      found_hash: row.hash,
      message: `chain ${chain}: entry ${row.seq} was changed after it was recorded (its content no longer matches its hash)`,
    };
  }
  return checkColumns(row);
}

/** The columns that are not hashed must still agree with the hashed event, or listings by them would mislead. */
function checkColumns(row: VerifyRow): LedgerBreak | undefined {
  const event = row.event;
  const pairs: [column: string, fromEvent: unknown, inColumn: string][] = [
    ['chain', event.facility_id, row.chain],
    ['event_id', typeof event.id === 'string' ? event.id.toLowerCase() : event.id, row.eventId.toLowerCase()],
    ['idempotency_key', event.idempotency_key, row.idempotencyKey],
    ['type', event.type, row.type],
    ['class', eventClass(event), row.class],
  ];
  for (const [column, expected, found] of pairs) {
    if (expected !== found) {
      return {
        chain: row.chain,
        seq: row.seq,
        kind: 'column_mismatch',
        column,
        expected_value: String(expected),
        found_value: found,
        message: `chain ${row.chain}: entry ${row.seq} has ${column} ${JSON.stringify(found)} but its event says ${JSON.stringify(expected)}`,
      };
    }
  }
  return undefined;
}

function summary(state: ChainState): VerifyReport['chains'][number] {
  return { chain: state.chain, entries: state.entries, head_seq: state.headSeq, head_hash: state.headHash };
}
