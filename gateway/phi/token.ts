import { createHmac } from 'node:crypto';

/**
 * DESIGN §6: a patient identifier becomes a keyed token before anything reaches the bus. The token is
 * HMAC-SHA256(key, authority | type | identifier): the same patient from the same assigning authority always gets
 * the same token (so events join up), and without the key nobody can go from token back to identifier, nor test a
 * guessed MRN against it.
 */
export interface PatientIdentifier {
  /** Assigning authority (HL7 CX-4), e.g. a hospital's MRN namespace; '' when the sender gives none. */
  authority: string;
  /** Identifier type code (HL7 CX-5), e.g. MR, SS; '' when absent. */
  type: string;
  value: string;
}

export function patientToken(key: Buffer, id: PatientIdentifier): string {
  return `pt_${identifierMac(key, [], id)}`;
}

/**
 * A visit (encounter) number — HL7 PV1-19, an account-like identifier — as a keyed token, by the same rule under
 * its own domain: a visit number never gets the token of a patient identifier written the same way. One without a
 * type is a `VN`, so `V1^^^HOSP` and `V1^^^HOSP^VN` are the same visit.
 */
export function encounterToken(key: Buffer, id: PatientIdentifier): string {
  return `enc_${identifierMac(key, ['encounter'], { ...id, type: id.type.trim() || VISIT_NUMBER_TYPE })}`;
}

/** The identifier type of a visit number (HL7 table 0203), taken when the sender gives none. */
export const VISIT_NUMBER_TYPE = 'VN';

function identifierMac(key: Buffer, domain: readonly string[], id: PatientIdentifier): string {
  const mac = createHmac('sha256', key);
  // Length prefixes keep ("a|b", "c") and ("a", "b|c") apart.
  for (const part of [...domain, id.authority.trim().toUpperCase(), id.type.trim().toUpperCase(), id.value.trim()]) {
    mac.update(`${Buffer.byteLength(part)}:${part}|`);
  }
  return mac.digest('hex');
}
