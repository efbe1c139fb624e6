import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../events/canonical-json.ts';

/**
 * What a checkpoint says and how it is signed: pure functions, no I/O. The signature covers the RFC 8785 text of
 * the fields below, so any verifier with the public key can check a checkpoint exported from the database.
 */
export interface ChainHead {
  chain: string;
  seq: number;
  hash: string;
}

export interface CheckpointBody {
  /** 1, 2, 3, … without gaps */
  number: number;
  /** ISO-8601 UTC with milliseconds */
  created_at: string;
  key_id: string;
  /** digest of the previous checkpoint (checkpointDigest), or 64 zeros for the first */
  previous: string;
  /** the head of every chain, ordered by chain */
  heads: ChainHead[];
}

export interface SignedCheckpoint extends CheckpointBody {
  /** base64 Ed25519 signature over signedText(body) */
  signature: string;
}

export const FIRST_PREVIOUS = '0'.repeat(64);

export function signedText(body: CheckpointBody): string {
  return canonicalJson({ number: body.number, created_at: body.created_at, key_id: body.key_id, previous: body.previous, heads: body.heads });
}

export function signCheckpoint(body: CheckpointBody, key: KeyObject): SignedCheckpoint {
  return { ...body, signature: sign(null, Buffer.from(signedText(body)), key).toString('base64') };
}

export function signatureValid(checkpoint: SignedCheckpoint, key: KeyObject): boolean {
  try {
    return verify(null, Buffer.from(signedText(checkpoint)), key, Buffer.from(checkpoint.signature, 'base64'));
  } catch {
    return false;
  }
}

/** What the next checkpoint names as `previous`: it binds the order of checkpoints, signature included. */
export function checkpointDigest(checkpoint: SignedCheckpoint): string {
  return createHash('sha256').update(`${signedText(checkpoint)}|${checkpoint.signature}`).digest('hex');
}

/** Heads as a checkpoint holds them: one per chain, ordered by chain (UTF-16 code units, like canonical JSON). */
export function orderedHeads(heads: ChainHead[]): ChainHead[] {
  return [...heads].sort((a, b) => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0));
}

export function sameHeads(a: ChainHead[], b: ChainHead[]): boolean {
  return a.length === b.length && a.every((h, i) => h.chain === b[i]!.chain && h.seq === b[i]!.seq && h.hash === b[i]!.hash);
}
