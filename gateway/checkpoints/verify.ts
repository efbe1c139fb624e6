import type { KeyObject } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { verifyLedger, type VerifyReport } from '../store/ledger.ts';
import type { Store } from '../store/db.ts';
import { checkpointDigest, FIRST_PREVIOUS, signatureValid, type SignedCheckpoint } from './sign.ts';
import { listCheckpoints } from './store.ts';

/**
 * Checks every checkpoint: numbered without gaps, each naming the digest of the one before, signed by a trusted
 * key, and every head it signed still in the ledger with the same hash. A chain rewritten and rehashed, or cut
 * short from the end (which the hash chain alone cannot show), fails the last test.
 */
export interface CheckpointReport {
  checked: number;
  /** the newest checkpoint, when all are good */
  latest?: { number: number; created_at: string; key_id: string };
  first_problem?: CheckpointProblem;
}

export interface CheckpointProblem {
  number: number;
  /**
   * sequence_gap: a checkpoint number is missing (expected_number, found_number).
   * previous_mismatch: `previous` is not the digest of the checkpoint before.
   * untrusted_key: signed by a key not in LEDGER_VERIFY_KEYS.
   * bad_signature: the signature does not match what the row says.
   * head_rewritten: the ledger entry at a signed head has another hash now (expected_hash signed, found_hash stored).
   * head_missing: the ledger entry at a signed head is gone.
   */
  kind: 'sequence_gap' | 'previous_mismatch' | 'untrusted_key' | 'bad_signature' | 'head_rewritten' | 'head_missing';
  chain?: string;
  seq?: number;
  expected_hash?: string;
  found_hash?: string;
  expected_number?: number;
  found_number?: number;
  key_id?: string;
  message: string;
}

const PAGE = 500;

export async function verifyCheckpoints(store: Store, trusted: ReadonlyMap<string, KeyObject>, o: { chain?: string } = {}): Promise<CheckpointReport> {
  let checked = 0;
  let previous: SignedCheckpoint | undefined;
  let after: number | undefined;
  for (;;) {
    const page = await listCheckpoints(store, { after, limit: PAGE });
    // The checkpoints before the first one that fails its own checks are trusted; their heads are checked next,
    // so a problem with an earlier checkpoint is reported first.
    let ownProblem: CheckpointProblem | undefined;
    let trustworthy = page;
    for (const [i, checkpoint] of page.entries()) {
      ownProblem = checkOne(checkpoint, previous, trusted);
      if (ownProblem) {
        trustworthy = page.slice(0, i);
        break;
      }
      previous = checkpoint;
    }
    const headProblem = await checkHeads(store, trustworthy, o.chain);
    const problem = headProblem ?? ownProblem;
    if (problem) return report(checked + page.findIndex((c) => c.number === problem.number), undefined, problem);
    checked += page.length;
    if (page.length < PAGE) break;
    after = page.at(-1)!.number;
  }
  return report(checked, previous, undefined);
}

function report(checked: number, latest: SignedCheckpoint | undefined, problem: CheckpointProblem | undefined): CheckpointReport {
  return {
    checked,
    ...(latest ? { latest: { number: latest.number, created_at: latest.created_at, key_id: latest.key_id } } : {}),
    ...(problem ? { first_problem: problem } : {}),
  };
}

function checkOne(c: SignedCheckpoint, before: SignedCheckpoint | undefined, trusted: ReadonlyMap<string, KeyObject>): CheckpointProblem | undefined {
  const expectedNumber = (before?.number ?? 0) + 1;
  if (c.number !== expectedNumber) {
    return { number: c.number, kind: 'sequence_gap', expected_number: expectedNumber, found_number: c.number, message: `checkpoint ${expectedNumber} is missing (the next one is ${c.number})` };
  }
  const expectedPrevious = before ? checkpointDigest(before) : FIRST_PREVIOUS;
  if (c.previous !== expectedPrevious) {
    return { number: c.number, kind: 'previous_mismatch', message: `checkpoint ${c.number} does not name the checkpoint before it` };
  }
  const key = trusted.get(c.key_id);
  if (!key) return { number: c.number, kind: 'untrusted_key', key_id: c.key_id, message: `checkpoint ${c.number} is signed by key ${c.key_id}, which is not trusted` };
  if (!signatureValid(c, key)) return { number: c.number, kind: 'bad_signature', key_id: c.key_id, message: `checkpoint ${c.number} does not match its signature` };
  return undefined;
}

/** Every head the page signed, looked up in one statement; the first mismatch by checkpoint number. */
async function checkHeads(store: Store, page: SignedCheckpoint[], chain: string | undefined): Promise<CheckpointProblem | undefined> {
  const heads = page.flatMap((c) => c.heads.filter((h) => chain === undefined || h.chain === chain).map((h) => ({ n: c.number, ...h })));
  if (heads.length === 0) return undefined;
  const rows = await store.rows<{ n: number | string; chain: string; seq: number | string; expected: string; found: string | null }>(sql`
    select h.n, h.chain, h.seq, h.hash as expected, l.hash as found
    from jsonb_to_recordset(${JSON.stringify(heads)}::jsonb) as h(n bigint, chain text, seq bigint, hash text)
    left join ledger l on l.chain = h.chain and l.seq = h.seq
    where l.hash is distinct from h.hash
    order by h.n, h.chain
    limit 1`);
  const row = rows[0];
  if (!row) return undefined;
  const number = Number(row.n);
  const seq = Number(row.seq);
  if (row.found === null) {
    return { number, kind: 'head_missing', chain: row.chain, seq, expected_hash: row.expected, message: `chain ${row.chain}: entry ${seq}, signed in checkpoint ${number}, is gone` };
  }
  return {
    number,
    kind: 'head_rewritten',
    chain: row.chain,
    seq,
    expected_hash: row.expected,
    found_hash: row.found,
    message: `chain ${row.chain}: entry ${seq} has another hash than checkpoint ${number} signed (the chain was rewritten)`,
  };
}

export type AuditReport = VerifyReport & { checkpoints: CheckpointReport };

/** verify-ledger's whole answer: the hash chains, then the signed checkpoints over them. */
export async function verifyLedgerAndCheckpoints(store: Store, trusted: ReadonlyMap<string, KeyObject>, o: { chain?: string } = {}): Promise<AuditReport> {
  const ledger = await verifyLedger(store, o);
  const checkpoints = await verifyCheckpoints(store, trusted, o);
  return { ...ledger, ok: ledger.ok && !checkpoints.first_problem, checkpoints };
}
