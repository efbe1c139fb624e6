import { parseGtin } from './gtin.ts';
import { parseNdc } from './ndc.ts';

/**
 * Drug code systems and the one normalisation of a code that both the code table and the resolver use, so that a
 * mapping written as `0591-0369-01` is found when a message says `00591036901`.
 */

const ALIASES: Record<string, string> = {
  RXNORM: 'RXNORM',
  RXN: 'RXNORM',
  RXCUI: 'RXNORM',
  'HTTP://WWW.NLM.NIH.GOV/RESEARCH/UMLS/RXNORM': 'RXNORM',
  NDC: 'NDC',
  NDC10: 'NDC',
  NDC11: 'NDC',
  N4: 'NDC',
  'HTTP://HL7.ORG/FHIR/SID/NDC': 'NDC',
  GTIN: 'GTIN',
  GS1: 'GTIN',
  LOCAL: 'LOCAL',
  L: 'LOCAL',
};

/** System names as the tables keep them: RXNORM, NDC, GTIN, LOCAL, or the sender's own name upper-cased. */
export function normalizeSystem(system: string): string {
  const upper = system.trim().toUpperCase();
  return ALIASES[upper] ?? upper;
}

/**
 * A code as the code table keys it: NDCs as their NDC-11 when they parse (else their digits, else the text),
 * GTINs as 14 digits, RxNorm CUIs without leading zeros or blanks, other codes trimmed.
 */
export function normalizeCode(system: string, code: string): string {
  const text = code.trim();
  switch (system) {
    case 'NDC':
      try {
        return parseNdc(text).ndc11;
      } catch {
        return text.toUpperCase();
      }
    case 'GTIN':
      try {
        return parseGtin(text);
      } catch {
        return text;
      }
    case 'RXNORM':
      return /^\d+$/.test(text) ? text.replace(/^0+(?=\d)/, '') : text;
    default:
      return text;
  }
}

export const ALL_FACILITIES = '*';
