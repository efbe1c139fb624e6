import { encounterToken, VISIT_NUMBER_TYPE } from '../../../gateway/phi/token.ts';
import type { PhiRecord } from '../../../gateway/phi/vault.ts';
import type { Hl7Segment } from '../message.ts';
import { cx } from './patient.ts';
import type { Reader } from './reader.ts';

/**
 * The visit of a message: PV1-19 (visit number, CX) as a keyed token, its identifier for the vault. A visit number
 * is an identifier (an account number, in HIPAA's list), so like the patient's it reaches the bus only as a token;
 * the same number always gives the same token, which is what joins a stay's orders, dispenses and discharge. An EHR
 * files a dispense under it (Epic's CSN, for one), so the outbound RDS writes it back from the vault.
 */
export interface EncounterRead {
  token: string;
  record: PhiRecord;
}

export function readEncounter(r: Reader, pv1: Hl7Segment | undefined, tokenKey: Buffer): EncounterRead | undefined {
  if (!pv1) return undefined;
  const id = cx(r, pv1, 19, 0);
  if (!id) return undefined;
  const identifier = { ...id, type: id.type || VISIT_NUMBER_TYPE };
  return { token: encounterToken(tokenKey, identifier), record: { identifiers: [identifier] } };
}
