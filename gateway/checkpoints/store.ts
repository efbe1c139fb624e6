import { asc, desc, gt, sql } from 'drizzle-orm';
import type { Store } from '../store/db.ts';
import { iso } from '../store/iso.ts';
import { isoUtcMillis } from '../store/iso-timestamp-sql.ts';
import { sqlState } from '../store/pg-errors.ts';
import { ledgerCheckpoint } from '../store/schema.ts';
import type { CheckpointKeys } from './keys.ts';
import { checkpointDigest, FIRST_PREVIOUS, orderedHeads, sameHeads, signCheckpoint, type ChainHead, type SignedCheckpoint } from './sign.ts';

/** Reading and writing checkpoints in the store (table ledger_checkpoint). */

const columns = {
  number: ledgerCheckpoint.number,
  created_at: isoUtcMillis(ledgerCheckpoint.createdAt),
  key_id: ledgerCheckpoint.keyId,
  previous: ledgerCheckpoint.previous,
  heads: ledgerCheckpoint.heads,
  signature: ledgerCheckpoint.signature,
};

/**
 * The head of every chain now. A loose index scan over the (chain, seq) key: one probe per chain instead of a walk
 * over every row (PostgreSQL has no skip scan of its own).
 */
export async function currentHeads(store: Store): Promise<ChainHead[]> {
  const rows = await store.rows<{ chain: string; seq: number | string; hash: string }>(sql`
    with recursive chains(chain) as (
      (select chain from ledger order by chain limit 1)
      union all
      select (select l.chain from ledger l where l.chain > c.chain order by l.chain limit 1) from chains c where c.chain is not null
    )
    select c.chain, h.seq, h.hash
    from chains c
    cross join lateral (select l.seq, l.hash from ledger l where l.chain = c.chain order by l.seq desc limit 1) h
    where c.chain is not null`);
  return orderedHeads(rows.map((r) => ({ chain: r.chain, seq: Number(r.seq), hash: r.hash })));
}

export async function latestCheckpoint(store: Store): Promise<SignedCheckpoint | undefined> {
  const [row] = await store.db.select(columns).from(ledgerCheckpoint).orderBy(desc(ledgerCheckpoint.number)).limit(1);
  return row;
}

export async function listCheckpoints(store: Store, o: { after?: number; limit: number }): Promise<SignedCheckpoint[]> {
  return store.db
    .select(columns)
    .from(ledgerCheckpoint)
    .where(o.after !== undefined ? gt(ledgerCheckpoint.number, o.after) : undefined)
    .orderBy(asc(ledgerCheckpoint.number))
    .limit(o.limit);
}

export interface CheckpointOutcome {
  /** false: the heads had not moved since the latest checkpoint (returned as `checkpoint`), or another instance won the number */
  created: boolean;
  checkpoint: SignedCheckpoint | undefined;
}

/**
 * Signs the current heads as the next checkpoint, unless they are the ones the latest checkpoint already signed.
 * An empty ledger gets no checkpoint. Two instances racing for a number: the primary key
 * lets one in, the other reports created: false.
 */
export async function createCheckpoint(store: Store, keys: CheckpointKeys, now: () => Date): Promise<CheckpointOutcome> {
  const [heads, latest] = await Promise.all([currentHeads(store), latestCheckpoint(store)]);
  if (heads.length === 0) return { created: false, checkpoint: latest };
  if (latest && sameHeads(latest.heads, heads)) return { created: false, checkpoint: latest };
  const checkpoint = signCheckpoint(
    {
      number: (latest?.number ?? 0) + 1,
      created_at: iso(now(), 'the time now() returned'),
      key_id: keys.keyId,
      previous: latest ? checkpointDigest(latest) : FIRST_PREVIOUS,
      heads,
    },
    keys.signing,
  );
  try {
    await store.db.insert(ledgerCheckpoint).values({
      number: checkpoint.number,
      createdAt: checkpoint.created_at,
      keyId: checkpoint.key_id,
      previous: checkpoint.previous,
      heads: checkpoint.heads,
      signature: checkpoint.signature,
    });
  } catch (error) {
    if (sqlState(error) === '23505') return { created: false, checkpoint: await latestCheckpoint(store) };
    throw error;
  }
  return { created: true, checkpoint };
}
