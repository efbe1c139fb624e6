import { SPECS, TABLE_NAMES, type FieldDef, type TableName } from '../../mappings/entities/index.ts';

/**
 * How the UI names and shows each mapping table and field: titles, labels, hints, which control a field gets, and
 * which columns a table's list shows. The fields themselves (and their validation) come from mappings/entities.
 */

export interface TableUi {
  title: string;
  /** one entry, for headings and buttons: `drug`, `schedule mapping` */
  singular: string;
  /** what the table is for, on the home page */
  about: string;
  /** columns the list shows after the key */
  columns: string[];
}

export const TABLES: Record<TableName, TableUi> = {
  drugs: {
    title: 'Drugs',
    singular: 'drug',
    about: 'One entry per package NDC, as the FDA NDC Directory lists it or as an analyst added it.',
    columns: ['ndc_original', 'proprietary_name', 'nonproprietary_name', 'strength', 'dose_form', 'rxnorm_cui'],
  },
  schedules: {
    title: 'DEA schedules',
    singular: 'schedule mapping',
    about: 'The DEA schedule (II, III, IV, V or NC) of each package NDC, with its source and when it was verified.',
    columns: ['schedule', 'ingredient_schedules', 'source', 'verified_at'],
  },
  codes: {
    title: 'Drug codes',
    singular: 'code mapping',
    about: 'RxNorm CUIs, local formulary codes, aliased NDCs and GTINs, each mapped to an NDC-11.',
    columns: ['system', 'facility_id', 'code', 'ndc11', 'display'],
  },
  prescribers: {
    title: 'Prescribers',
    singular: 'prescriber',
    about: 'Prescribers by NPI, with their DEA registration number (both check digits verified).',
    columns: ['name', 'credential', 'dea_number', 'active'],
  },
  facilities: {
    title: 'Facilities',
    singular: 'facility',
    about: 'Facilities by the id events carry, with DEA registration, NPI and address.',
    columns: ['name', 'dea_registration', 'npi', 'city', 'state'],
  },
  patients: {
    title: 'Patient tokens',
    singular: 'patient token',
    about: 'Patient tokens and their status (never a name, MRN or date of birth).',
    columns: ['facility_id', 'status', 'merged_into', 'first_seen_at'],
  },
};

export interface FieldUi {
  label: string;
  hint?: string;
  control: 'text' | 'select' | 'textarea';
  options?: readonly { value: string; label: string }[];
  /** an empty box means "no value" (null) rather than empty text */
  emptyAsNull?: boolean;
  /** not offered in the forms (set by the service) */
  notInForm?: boolean;
}

const LABELS: Record<string, string> = {
  ndc11: 'NDC-11',
  ndc_original: 'NDC as written',
  ndc_layout: 'NDC layout',
  labeler_code: 'Labeler code',
  product_code: 'Product code',
  package_code: 'Package code',
  rxnorm_cui: 'RxNorm CUI',
  fda_dea_schedule: 'FDA DEASCHEDULE',
  npi: 'NPI',
  dea_number: 'DEA number',
  dea_registration: 'DEA registration',
  facility_id: 'Facility id',
  address_line1: 'Address line 1',
  address_line2: 'Address line 2',
  postal_code: 'Postal code',
  verified_at: 'Verified at',
  first_seen_at: 'First seen at',
  merged_into: 'Merged into',
  source_value: 'Source value',
  ingredient_schedules: 'Ingredient schedules',
};

const SCHEDULE_OPTIONS = [
  { value: '', label: '(none: take the highest ingredient schedule)' },
  { value: 'II', label: 'II' },
  { value: 'III', label: 'III' },
  { value: 'IV', label: 'IV' },
  { value: 'V', label: 'V' },
  { value: 'NC', label: 'NC (not controlled)' },
] as const;

const SPECIAL: Partial<Record<TableName, Record<string, Partial<FieldUi>>>> = {
  drugs: {
    ndc11: { hint: 'The package NDC in any hyphenated layout (4-4-2, 5-3-2, 5-4-1, 5-4-2) or as 11 digits.' },
    ndc_original: { hint: 'The layout the source wrote, e.g. 0002-0800-01; empty keeps the NDC-11 as given.' },
    rxnorm_cui: { hint: '1 to 12 digits.' },
    description: { control: 'textarea' },
  },
  schedules: {
    ndc11: { hint: 'The package NDC in any hyphenated layout or as 11 digits.' },
    schedule: { control: 'select', options: SCHEDULE_OPTIONS, emptyAsNull: true },
    ingredient_schedules: { hint: 'For a combination product: its ingredients’ schedules separated by ; (e.g. II;IV). The schedule is then their highest.' },
    source: { hint: 'Where the schedule comes from: manual (your own judgement), FDA NDC Directory, …' },
    verified_at: { notInForm: true },
  },
  codes: {
    system: { hint: 'RXNORM, NDC, GTIN, LOCAL or a code system name of your own.' },
    facility_id: { hint: 'The facility whose code this is; * or empty for every facility.' },
    ndc11: { hint: 'The drug the code means: an NDC in any hyphenated layout or as 11 digits.' },
  },
  prescribers: {
    npi: { hint: '10 digits with a valid check digit.' },
    dea_number: { hint: 'Two letters and seven digits with a valid check digit.' },
    active: {
      control: 'select',
      options: [
        { value: 'true', label: 'Yes' },
        { value: 'false', label: 'No' },
      ],
    },
  },
  facilities: {
    dea_registration: { hint: 'Two letters and seven digits with a valid check digit.' },
    country: { hint: 'ISO 3166-1 alpha-2, e.g. US.' },
  },
  patients: {
    token: { hint: 'pt_ followed by hexadecimal digits.' },
    status: {
      control: 'select',
      options: [
        { value: 'active', label: 'active' },
        { value: 'merged', label: 'merged' },
        { value: 'inactive', label: 'inactive' },
      ],
    },
    merged_into: { hint: 'Only for status merged: the token this one was merged into.' },
    first_seen_at: { hint: 'ISO-8601 with offset, e.g. 2026-01-02T03:04:05Z.' },
  },
};

export function fieldLabel(name: string): string {
  const known = LABELS[name];
  if (known) return known;
  const words = name.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function fieldUi(table: TableName, field: FieldDef): FieldUi {
  const special = SPECIAL[table]?.[field.name] ?? {};
  const kindHint = field.kind === 'timestamp' ? 'ISO-8601 with offset, e.g. 2026-01-02T03:04:05Z.' : undefined;
  const ui: FieldUi = { label: fieldLabel(field.name), control: 'text', ...special };
  if (!ui.hint && kindHint) ui.hint = kindHint;
  return ui;
}

/** The fields a create (or, without the key fields, an edit) form offers, in the table's order. */
export function formFields(table: TableName, mode: 'create' | 'edit'): { def: FieldDef; ui: FieldUi }[] {
  const spec = SPECS[table];
  return spec.fields
    .filter((f) => !f.derived)
    .filter((f) => mode === 'create' || !spec.keyFields.includes(f.name))
    .map((def) => ({ def, ui: fieldUi(table, def) }))
    .filter((f) => !f.ui.notInForm);
}

export const TABLE_LIST = TABLE_NAMES.map((name) => ({ name, ...TABLES[name] }));
