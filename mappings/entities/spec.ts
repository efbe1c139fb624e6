import type { z } from 'zod';
import type { codeVersions, drugVersions, facilityVersions, patientTokenVersions, prescriberVersions, scheduleVersions } from '../schema.ts';

/**
 * What the generic versioned repository, the CSV import/export and the HTTP routes need to know about one mapping
 * table. One spec per table, in this folder.
 */

export const TABLE_NAMES = ['drugs', 'schedules', 'codes', 'prescribers', 'facilities', 'patients'] as const;
export type TableName = (typeof TABLE_NAMES)[number];

export type VersionTable =
  | typeof drugVersions
  | typeof scheduleVersions
  | typeof codeVersions
  | typeof prescriberVersions
  | typeof facilityVersions
  | typeof patientTokenVersions;

/** How a field is written in CSV and in SQL: text, boolean, a `;`-separated list of schedules (jsonb), a timestamp. */
export type FieldKind = 'text' | 'bool' | 'schedules' | 'timestamp';

export interface FieldDef {
  name: string;
  kind: FieldKind;
  /** computed from other fields; accepted in input and ignored */
  derived?: boolean;
}

/** The values of one entry, by field name (null for an empty optional field). */
export type EntityData = Record<string, unknown>;

export interface EntitySpec {
  table: TableName;
  /** singular, for messages: `drug`, `schedule mapping`, … */
  entity: string;
  dbTable: VersionTable;
  /** every field, in CSV/export order */
  fields: readonly FieldDef[];
  /** the fields the key is made of: they cannot change in an update */
  keyFields: readonly string[];
  /** what the key is, for messages and docs: `NDC-11`, `NPI`, `system|facility|code` */
  keyDescription: string;
  /** validates and normalises a whole entry; issues name the fields */
  input: z.ZodType<EntityData>;
  keyOf(data: EntityData): string;
  /**
   * The key of raw input (before the whole entry is validated), normalised as `input` would: what an import needs
   * to find the current entry it merges with. Throws MappingInputError naming the key field.
   */
  keyOfInput(input: Record<string, unknown>): string;
  /** text fields that `q` searches */
  searchFields: readonly string[];
}
