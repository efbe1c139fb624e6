import { z } from 'zod';
import { keyText } from './key-input.ts';
import { patientRefSchema } from '../../gateway/events/schema.ts';
import { patientTokenVersions } from '../schema.ts';
import { optionalFacilityIdField, optionalInstant } from './fields.ts';
import type { EntityData, EntitySpec } from './spec.ts';

/**
 * Patient tokens (DESIGN §6): the token and metadata only — never a name, MRN or date of birth. A merged token
 * points at the token it was merged into. There is deliberately no free-text field.
 */

const patientInput = z
  .strictObject({
    token: z.string().trim().pipe(patientRefSchema),
    facility_id: optionalFacilityIdField,
    status: z
      .union([z.string(), z.null()])
      .optional()
      .transform((v) => (v === undefined || v === null || v.trim() === '' ? 'active' : v.trim().toLowerCase()))
      .pipe(z.enum(['active', 'merged', 'inactive'])),
    merged_into: z
      .union([z.string(), z.null()])
      .optional()
      .transform((v) => (v === undefined || v === null || v.trim() === '' ? null : v.trim()))
      .pipe(z.union([patientRefSchema, z.null()])),
    first_seen_at: optionalInstant,
  })
  .superRefine((v, ctx) => {
    if (v.status === 'merged' && v.merged_into === null) ctx.addIssue({ code: 'custom', path: ['merged_into'], message: 'required when status is merged' });
    if (v.status !== 'merged' && v.merged_into !== null) ctx.addIssue({ code: 'custom', path: ['merged_into'], message: 'only a merged token points at another' });
    if (v.merged_into !== null && v.merged_into === v.token) ctx.addIssue({ code: 'custom', path: ['merged_into'], message: 'a token cannot be merged into itself' });
  });

export type PatientTokenData = z.output<typeof patientInput>;

export const patientsSpec: EntitySpec = {
  table: 'patients',
  entity: 'patient token',
  dbTable: patientTokenVersions,
  fields: [
    { name: 'token', kind: 'text' },
    { name: 'facility_id', kind: 'text' },
    { name: 'status', kind: 'text' },
    { name: 'merged_into', kind: 'text' },
    { name: 'first_seen_at', kind: 'timestamp' },
  ],
  keyFields: ['token'],
  keyDescription: 'patient token (pt_<hex>)',
  input: patientInput as unknown as z.ZodType<EntityData>,
  keyOf: (d) => d.token as string,
  keyOfInput: (i) => keyText(i, 'token'),
  searchFields: ['token', 'facility_id', 'status'],
};
