import { z } from 'zod';
import { keyText } from './key-input.ts';
import { parseNpi } from '../npi.ts';
import { prescriberVersions } from '../schema.ts';
import { booleanField, npiField, optionalDeaNumberField, optionalText } from './fields.ts';
import type { EntityData, EntitySpec } from './spec.ts';

/** Prescribers by NPI (check digit verified), with their DEA registration number (check digit verified). */

const prescriberInput = z.strictObject({
  npi: npiField,
  dea_number: optionalDeaNumberField,
  name: optionalText(200),
  credential: optionalText(50),
  active: booleanField(true),
});

export type PrescriberData = z.output<typeof prescriberInput>;

export const prescribersSpec: EntitySpec = {
  table: 'prescribers',
  entity: 'prescriber',
  dbTable: prescriberVersions,
  fields: [
    { name: 'npi', kind: 'text' },
    { name: 'dea_number', kind: 'text' },
    { name: 'name', kind: 'text' },
    { name: 'credential', kind: 'text' },
    { name: 'active', kind: 'bool' },
  ],
  keyFields: ['npi'],
  keyDescription: 'NPI (10 digits)',
  input: prescriberInput as unknown as z.ZodType<EntityData>,
  keyOf: (d) => d.npi as string,
  keyOfInput: (i) => parseNpi(keyText(i, 'npi')),
  searchFields: ['npi', 'dea_number', 'name'],
};
