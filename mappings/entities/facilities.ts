import { z } from 'zod';
import { keyText } from './key-input.ts';
import { facilityVersions } from '../schema.ts';
import { facilityIdField, optionalDeaNumberField, optionalNpiField, optionalText } from './fields.ts';
import type { EntityData, EntitySpec } from './spec.ts';

/** Facilities by facility id (the id events carry), with their DEA registration and address. */

const facilityInput = z.strictObject({
  facility_id: facilityIdField,
  name: optionalText(200),
  dea_registration: optionalDeaNumberField,
  npi: optionalNpiField,
  address_line1: optionalText(200),
  address_line2: optionalText(200),
  city: optionalText(100),
  state: optionalText(50),
  postal_code: optionalText(20),
  country: optionalText(2).pipe(z.union([z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code (US)'), z.null()])),
});

export type FacilityData = z.output<typeof facilityInput>;

export const facilitiesSpec: EntitySpec = {
  table: 'facilities',
  entity: 'facility',
  dbTable: facilityVersions,
  fields: [
    { name: 'facility_id', kind: 'text' },
    { name: 'name', kind: 'text' },
    { name: 'dea_registration', kind: 'text' },
    { name: 'npi', kind: 'text' },
    { name: 'address_line1', kind: 'text' },
    { name: 'address_line2', kind: 'text' },
    { name: 'city', kind: 'text' },
    { name: 'state', kind: 'text' },
    { name: 'postal_code', kind: 'text' },
    { name: 'country', kind: 'text' },
  ],
  keyFields: ['facility_id'],
  keyDescription: 'facility id',
  input: facilityInput as unknown as z.ZodType<EntityData>,
  keyOf: (d) => d.facility_id as string,
  keyOfInput: (i) => keyText(i, 'facility_id'),
  searchFields: ['facility_id', 'name', 'dea_registration', 'city'],
};
