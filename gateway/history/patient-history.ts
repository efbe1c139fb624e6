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
export function patientHistory(deps: { store: Store; tokenKey: Buffer; vault: Pick<PhiVault, 'get'> }) {
  return async (q: HistoryQuery): Promise<PatientHistory> => {
    const ref = tokenOf(deps.tokenKey, q.kind, q.identifier);
    const [record, page] = await Promise.all([
      deps.vault.get(ref),
      listLedger(deps.store, { ...(q.kind === 'patient' ? { patientRef: ref } : { encounterRef: ref }), after: q.after, limit: q.limit }),
    ]);
    return { kind: q.kind, ref, known: record !== undefined, ...page };
  };
}
