import type { Hl7Segment } from '../message.ts';
import { unitOf } from './codes.ts';
import type { Job } from './job.ts';

/**
 * The components of a compounded or IV order, dispense or give (RXC, HL7 v2.5 §4.14.6): the base solution and each
 * additive, with its own drug — the resolver's schedule included, since the controlled substance of a PCA or a drip is
 * often an additive under a local compound code — amount and strength. `segments` are those that follow the order,
 * dispense or give segment in its group; only the RXCs among them are read.
 */
export function readComponents(job: Job, segments: readonly Hl7Segment[]): Record<string, unknown>[] {
  const r = job.r;
  return segments
    .filter((s) => s.name === 'RXC')
    .flatMap((rxc) => {
      const codes = job.drugCodes(rxc, 2, 'component code');
      // Without a code the message is answered 101 (drugCodes); the component is left out rather than made up.
      if (codes.length === 0) return [];
      return {
        // HL7 table 0166: B base, A additive
        type: r.val(rxc, 1) || undefined,
        codes,
        drug: job.drug(codes, { seg: rxc, field: 2 }),
        amount: r.num({ seg: rxc, field: 3 }),
        unit: unitOf(r, rxc, 4),
        strength: r.num({ seg: rxc, field: 5 }),
        strength_unit: unitOf(r, rxc, 6),
        volume: r.num({ seg: rxc, field: 8 }),
        volume_unit: unitOf(r, rxc, 9),
      };
    });
}
