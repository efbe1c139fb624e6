import { z } from 'zod';
import { keyText } from './key-input.ts';
import { ALL_FACILITIES, normalizeCode, normalizeSystem } from '../codes.ts';
import { parseGtin } from '../gtin.ts';
import { codeVersions } from '../schema.ts';
import { ndc11Field, optionalText, requiredText } from './fields.ts';
import type { EntityData, EntitySpec } from './spec.ts';
import { facilityIdSchema } from '../../gateway/events/schema.ts';

/**
 * Drug codes → NDC-11: RxNorm CUIs, a facility's local formulary codes, NDCs that stand for another NDC (a
 * repackager's code, a code a sender writes wrongly, a bare 10-digit NDC that is ambiguous), GTINs. `facility_id`
 * is `*` for a mapping every facility shares. The key is `system|facility_id|code`.
 */

const codeInput = z
  .strictObject({
    system: requiredText(64).transform(normalizeSystem).pipe(z.string().regex(/^[A-Z0-9_.:/-]{1,64}$/, 'letters, digits and _ . : / - (a code system name)')),
    facility_id: z
      .union([z.string(), z.null()])
      .optional()
      .transform((v) => (v === undefined || v === null || v.trim() === '' ? ALL_FACILITIES : v.trim()))
      .pipe(z.union([z.literal(ALL_FACILITIES), facilityIdSchema])),
    code: requiredText(64),
    ndc11: ndc11Field,
    display: optionalText(300),
  })
  .transform((v, ctx) => {
    if (v.system === 'RXNORM' && !/^\d{1,12}$/.test(v.code)) {
      ctx.addIssue({ code: 'custom', path: ['code'], message: 'an RxNorm CUI is 1 to 12 digits' });
      return z.NEVER;
    }
    if (v.system === 'GTIN') {
      try {
        parseGtin(v.code, 'code');
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['code'], message: (err as Error).message });
        return z.NEVER;
      }
    }
    return { ...v, code: normalizeCode(v.system, v.code) };
  });

export type CodeData = z.output<typeof codeInput>;

export function codeKey(system: string, facilityId: string, code: string): string {
  return `${system}|${facilityId}|${code}`;
}

export const codesSpec: EntitySpec = {
  table: 'codes',
  entity: 'drug code mapping',
  dbTable: codeVersions,
  fields: [
    { name: 'system', kind: 'text' },
    { name: 'facility_id', kind: 'text' },
    { name: 'code', kind: 'text' },
    { name: 'ndc11', kind: 'text' },
    { name: 'display', kind: 'text' },
  ],
  keyFields: ['system', 'facility_id', 'code'],
  keyDescription: 'system|facility_id|code (facility_id * for all facilities)',
  input: codeInput as unknown as z.ZodType<EntityData>,
  keyOf: (d) => codeKey(d.system as string, d.facility_id as string, d.code as string),
  keyOfInput: (i) => {
    const system = normalizeSystem(keyText(i, 'system'));
    const facility = typeof i.facility_id === 'string' && i.facility_id.trim() !== '' ? i.facility_id.trim() : ALL_FACILITIES;
    return codeKey(system, facility, normalizeCode(system, keyText(i, 'code')));
  },
  searchFields: ['system', 'code', 'ndc11', 'display', 'facility_id'],
};
