import { encounterToken, patientToken, type PatientIdentifier } from '../phi/token.ts';
import type { PhiVault } from '../phi/vault.ts';
import type { Store } from '../store/db.ts';
import { listLedger, type LedgerEntry } from '../store/ledger.ts';

/** A patient identifier (PID-3) or a visit number (PV1-19), as the EHR writes it. */
export interface HistoryQuery {
  kind: 'patient' | 'encounter';
  identifier: PatientIdentifier;
  /** ledger position cursor: entries after this one */
  after?: number | undefined;
  limit: number;
}

export interface PatientHistory {
  kind: 'patient' | 'encounter';
  /** the token the ledger holds for the identifier (`pt_…` / `enc_…`) */
  ref: string;
  /** tokens merged into this patient (HL7 A40 and the like, as the `patients` mapping table follows them), whose events are included */
  merged_from: string[];
  /** whether the PHI vault holds the token: a message with this identifier has reached the gateway */
  known: boolean;
  entries: LedgerEntry[];
  next_after?: number | undefined;
}

/** The token the gateway gives an identifier: the same one its translators put on the events. */
export function tokenOf(tokenKey: Buffer, kind: HistoryQuery['kind'], identifier: PatientIdentifier): string {
  return kind === 'patient' ? patientToken(tokenKey, identifier) : encounterToken(tokenKey, identifier);
}

/**
 * One patient's or one stay's events in ledger order, found by the identifier a pharmacist or compliance officer
 * holds (the ledger holds tokens only). The identifier is used to make the token and is not kept or logged.
 */
export function patientHistory(deps: HistoryDeps) {
  return async (q: HistoryQuery): Promise<PatientHistory> => {
    const ref = tokenOf(deps.tokenKey, q.kind, q.identifier);
    const mergedFrom = q.kind === 'patient' && deps.mergedInto ? await mergedInto(deps.mergedInto, ref) : [];
    const [record, page] = await Promise.all([
      deps.vault.get(ref),
      listLedger(deps.store, { ...(q.kind === 'patient' ? { patientRef: [ref, ...mergedFrom] } : { encounterRef: ref }), after: q.after, limit: q.limit }),
    ]);
    return { kind: q.kind, ref, merged_from: mergedFrom, known: record !== undefined, ...page };
  };
}

export interface HistoryDeps {
  store: Store;
  tokenKey: Buffer;
  vault: Pick<PhiVault, 'get'>;
  /** the tokens the `patients` mapping table says were merged into a token (mappings/patients/merge-projection.ts) */
  mergedInto?: ((token: string) => Promise<string[]>) | undefined;
}

/** Bounds the merge chains followed for one patient (a token merged into itself through a loop is followed once). */
const MAX_MERGED = 100;

/** Every token merged into `token`, directly or through earlier merges (A into B, B into C: C has B and A). */
export async function mergedInto(direct: (token: string) => Promise<string[]>, token: string): Promise<string[]> {
  const seen = new Set([token]);
  const found: string[] = [];
  for (let queue = [token]; queue.length > 0 && found.length < MAX_MERGED; ) {
    const next: string[] = [];
    for (const t of queue) {
      for (const prior of await direct(t)) {
        if (seen.has(prior)) continue;
        seen.add(prior);
        found.push(prior);
        next.push(prior);
      }
    }
    queue = next;
  }
  return found.slice(0, MAX_MERGED);
}
