import { AmbiguousNdcError } from '../../../mappings/errors.ts';
import { parseNdc, type NdcLayout } from '../../../mappings/ndc.ts';

/**
 * An NDC as written in a message → NDC-11 (DESIGN §7), by the mapping engine's parser: hyphenated 4-4-2, 5-3-2,
 * 5-4-1, 5-4-2 and bare 11 digits convert exactly. A bare 10-digit NDC is `ambiguous` and left to the drug
 * resolver (the product table), never padded. Anything else tagged as an NDC (8 digits, a 5-3 product code without
 * its package, `999`) is `not-ndc`: kept as written, and also sent to the resolver, where an analyst can map it.
 */
export type NdcNormalisation = { kind: 'ndc11'; ndc11: string; layout: NdcLayout } | { kind: 'ambiguous' } | { kind: 'not-ndc' };

export function normaliseNdc(raw: string): NdcNormalisation {
  try {
    const ndc = parseNdc(raw);
    return { kind: 'ndc11', ndc11: ndc.ndc11, layout: ndc.layout };
  } catch (e) {
    return e instanceof AmbiguousNdcError ? { kind: 'ambiguous' } : { kind: 'not-ndc' };
  }
}
