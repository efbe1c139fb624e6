import { z } from 'zod';
import { keyText } from './key-input.ts';
import { NdcFormatError, MappingInputError } from '../errors.ts';
import { parseNdc, type Ndc } from '../ndc.ts';
import { drugVersions } from '../schema.ts';
import { derivedField, optionalText } from './fields.ts';
import type { EntityData, EntitySpec } from './spec.ts';

/**
 * Drugs, one entry per package NDC. `ndc11` may be given in any unambiguous layout; the layout it was written in is
 * kept (`ndc_original`, `ndc_layout`) so exports give back what the source said, and the segments are derived.
 */

const rxcui = z
  .union([z.string(), z.null()])
  .optional()
  .transform((v) => (v === undefined || v === null || v.trim() === '' ? null : v.trim()))
  .pipe(z.union([z.string().regex(/^\d{1,12}$/, 'an RxNorm CUI (1 to 12 digits)'), z.null()]));

const drugInput = z
  .strictObject({
    ndc11: z.string({ error: 'required: the package NDC (any hyphenated layout or 11 digits)' }),
    ndc_original: optionalText(20),
    ndc_layout: derivedField,
    labeler_code: derivedField,
    product_code: derivedField,
    package_code: derivedField,
    labeler_name: optionalText(200),
    proprietary_name: optionalText(300),
    nonproprietary_name: optionalText(500),
    description: optionalText(1000),
    dose_form: optionalText(200),
    route: optionalText(300),
    strength: optionalText(300),
    package_size: optionalText(200),
    rxnorm_cui: rxcui,
    product_type: optionalText(100),
    fda_dea_schedule: optionalText(16),
  })
  .transform((v, ctx) => {
    const parse = (text: string, field: string): Ndc | undefined => {
      try {
        return parseNdc(text, field);
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: [field], message: (err as Error).message, params: err instanceof MappingInputError ? { code: err.code } : undefined });
        return undefined;
      }
    };
    const fromNdc11 = parse(v.ndc11, 'ndc11');
    const written = v.ndc_original === null ? fromNdc11 : parse(v.ndc_original, 'ndc_original');
    if (!fromNdc11 || !written) return z.NEVER;
    if (written.ndc11 !== fromNdc11.ndc11) {
      const err = new NdcFormatError('ndc11', `ndc11 ${fromNdc11.ndc11} does not match ndc_original ${written.original} (NDC-11 ${written.ndc11})`);
      ctx.addIssue({ code: 'custom', path: ['ndc11'], message: err.message });
      return z.NEVER;
    }
    const { ndc_layout: _l, labeler_code: _a, product_code: _b, package_code: _c, ...rest } = v;
    return {
      ...rest,
      ndc11: written.ndc11,
      ndc_original: written.original,
      ndc_layout: written.layout,
      labeler_code: written.labeler,
      product_code: written.product,
      package_code: written.package,
    };
  });

export type DrugData = z.output<typeof drugInput>;

export const drugsSpec: EntitySpec = {
  table: 'drugs',
  entity: 'drug',
  dbTable: drugVersions,
  fields: [
    { name: 'ndc11', kind: 'text' },
    { name: 'ndc_original', kind: 'text' },
    { name: 'ndc_layout', kind: 'text', derived: true },
    { name: 'labeler_code', kind: 'text', derived: true },
    { name: 'product_code', kind: 'text', derived: true },
    { name: 'package_code', kind: 'text', derived: true },
    { name: 'labeler_name', kind: 'text' },
    { name: 'proprietary_name', kind: 'text' },
    { name: 'nonproprietary_name', kind: 'text' },
    { name: 'description', kind: 'text' },
    { name: 'dose_form', kind: 'text' },
    { name: 'route', kind: 'text' },
    { name: 'strength', kind: 'text' },
    { name: 'package_size', kind: 'text' },
    { name: 'rxnorm_cui', kind: 'text' },
    { name: 'product_type', kind: 'text' },
    { name: 'fda_dea_schedule', kind: 'text' },
  ],
  keyFields: ['ndc11'],
  keyDescription: 'NDC-11 (11 digits)',
  input: drugInput as unknown as z.ZodType<EntityData>,
  keyOf: (d) => d.ndc11 as string,
  keyOfInput: (i) => parseNdc(keyText(i, typeof i.ndc11 === 'string' && i.ndc11.trim() !== '' ? 'ndc11' : 'ndc_original'), 'ndc11').ndc11,
  searchFields: ['ndc11', 'ndc_original', 'proprietary_name', 'nonproprietary_name', 'description', 'labeler_name', 'rxnorm_cui'],
};
