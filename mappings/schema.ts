import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, jsonb, pgTable, serial, text, timestamp, unique, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';

/**
 * The mapping tables (drizzle pg-core; migrations in /migrations are generated from this file).
 *
 * Every mapping table is a table of *versions*: one row per version of one entry, never updated and never deleted
 * (triggers refuse UPDATE, DELETE and TRUNCATE, as on the ledger). An entry is identified by `key` (the NDC-11 for
 * drugs and schedules, the NPI for prescribers, …); its current state is its highest version, unless that version
 * says `deleted`. Each version records who (the token label of the request), when, why, the operation, and the
 * previous version's values, so history and rollback need nothing else. Property names are the column names, so a
 * row read with raw SQL, a drizzle row and the API's JSON have the same field names.
 *
 * The pending/parked tables and the verification/import-run tables are operational state, not versioned mappings.
 */

export const VERSION_OPS = ['create', 'update', 'delete', 'rollback', 'import'] as const;
export type VersionOp = (typeof VERSION_OPS)[number];

const millis = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: 'string' });

const versionColumns = () => ({
  key: text('key').notNull(),
  version: integer('version').notNull(),
  op: text('op').notNull(),
  deleted: boolean('deleted').notNull().default(false),
  changed_by: text('changed_by').notNull(),
  changed_at: millis('changed_at').notNull(),
  reason: text('reason').notNull(),
  /** the data of the version this one replaced (null for the first version) */
  previous: jsonb('previous'),
  /** set on op = rollback: the version whose data this one restores */
  rollback_to: integer('rollback_to'),
  /** set when the version was written by an import run */
  import_id: integer('import_id'),
});

type VersionedName = 'drug' | 'schedule' | 'code' | 'prescriber' | 'facility' | 'patient_token';
const versionConstraints = (name: VersionedName, t: { key: AnyPgColumn; version: AnyPgColumn; op: AnyPgColumn }) => [
  unique(`mapping_${name}_versions_key_version_key`).on(t.key, t.version),
  check(`mapping_${name}_versions_version_positive`, sql`${t.version} >= 1`),
  check(`mapping_${name}_versions_op_known`, sql`${t.op} in ('create', 'update', 'delete', 'rollback', 'import')`),
];

/** Drugs, one entry per package NDC (NDC-11). */
export const drugVersions = pgTable(
  'mapping_drug_versions',
  {
    ...versionColumns(),
    ndc11: text('ndc11').notNull(),
    ndc_original: text('ndc_original').notNull(),
    ndc_layout: text('ndc_layout').notNull(),
    labeler_code: text('labeler_code').notNull(),
    product_code: text('product_code').notNull(),
    package_code: text('package_code').notNull(),
    labeler_name: text('labeler_name'),
    proprietary_name: text('proprietary_name'),
    nonproprietary_name: text('nonproprietary_name'),
    description: text('description'),
    dose_form: text('dose_form'),
    route: text('route'),
    strength: text('strength'),
    package_size: text('package_size'),
    rxnorm_cui: text('rxnorm_cui'),
    product_type: text('product_type'),
    /** the FDA directory's DEASCHEDULE text as listed (CII … CV, empty), kept to find unclassified controlled drugs */
    fda_dea_schedule: text('fda_dea_schedule'),
  },
  (t) => [
    ...versionConstraints('drug', t),
    check('mapping_drug_versions_key_is_ndc11', sql`${t.key} = ${t.ndc11} and ${t.ndc11} ~ '^[0-9]{11}$'`),
    index('mapping_drug_versions_rxnorm_idx').on(t.rxnorm_cui),
  ],
);

/** DEA schedule of a package NDC, with where it came from and when it was last checked against that source. */
export const scheduleVersions = pgTable(
  'mapping_schedule_versions',
  {
    ...versionColumns(),
    ndc11: text('ndc11').notNull(),
    schedule: text('schedule').notNull(),
    /** the schedules of a combination product's ingredients; `schedule` is then the highest of them */
    ingredient_schedules: jsonb('ingredient_schedules'),
    /** `FDA NDC Directory`, `manual`, … */
    source: text('source').notNull(),
    /** the value as the source wrote it (DEASCHEDULE `CII`, …) */
    source_value: text('source_value'),
    verified_at: millis('verified_at'),
    /** the mapping.change event published for this version (the compliance record in the ledger) */
    change_event_id: uuid('change_event_id'),
    change_event_key: text('change_event_key'),
  },
  (t) => [
    ...versionConstraints('schedule', t),
    check('mapping_schedule_versions_key_is_ndc11', sql`${t.key} = ${t.ndc11} and ${t.ndc11} ~ '^[0-9]{11}$'`),
    check('mapping_schedule_versions_schedule_known', sql`${t.schedule} in ('II', 'III', 'IV', 'V', 'NC')`),
    index('mapping_schedule_versions_event_key_idx').on(t.change_event_key),
  ],
);

/** RxNorm CUIs, local (facility) drug codes, aliased NDCs and GTINs → the NDC-11 of a drug. */
export const codeVersions = pgTable(
  'mapping_code_versions',
  {
    ...versionColumns(),
    system: text('system').notNull(),
    /** `*` for every facility */
    facility_id: text('facility_id').notNull(),
    code: text('code').notNull(),
    ndc11: text('ndc11').notNull(),
    display: text('display'),
  },
  (t) => [
    ...versionConstraints('code', t),
    check('mapping_code_versions_key_is_code', sql`${t.key} = ${t.system} || '|' || ${t.facility_id} || '|' || ${t.code}`),
    index('mapping_code_versions_ndc11_idx').on(t.ndc11),
  ],
);

export const prescriberVersions = pgTable(
  'mapping_prescriber_versions',
  {
    ...versionColumns(),
    npi: text('npi').notNull(),
    dea_number: text('dea_number'),
    name: text('name'),
    credential: text('credential'),
    active: boolean('active').notNull(),
  },
  (t) => [...versionConstraints('prescriber', t), check('mapping_prescriber_versions_key_is_npi', sql`${t.key} = ${t.npi}`)],
);

export const facilityVersions = pgTable(
  'mapping_facility_versions',
  {
    ...versionColumns(),
    facility_id: text('facility_id').notNull(),
    name: text('name'),
    dea_registration: text('dea_registration'),
    npi: text('npi'),
    address_line1: text('address_line1'),
    address_line2: text('address_line2'),
    city: text('city'),
    state: text('state'),
    postal_code: text('postal_code'),
    country: text('country'),
  },
  (t) => [...versionConstraints('facility', t), check('mapping_facility_versions_key_is_facility', sql`${t.key} = ${t.facility_id}`)],
);

/** Patient tokens (DESIGN §6) and what is known about them that is not PHI. Identifiers live in the PHI vault. */
export const patientTokenVersions = pgTable(
  'mapping_patient_token_versions',
  {
    ...versionColumns(),
    token: text('token').notNull(),
    facility_id: text('facility_id'),
    status: text('status').notNull(),
    merged_into: text('merged_into'),
    first_seen_at: millis('first_seen_at'),
  },
  (t) => [...versionConstraints('patient_token', t), check('mapping_patient_token_versions_key_is_token', sql`${t.key} = ${t.token}`)],
);

/**
 * The last time a schedule mapping was confirmed against its source without changing (an FDA import that found
 * the same DEASCHEDULE, or an analyst's "verified"). Kept apart from the versions so that a daily import does not
 * add a version per unchanged drug; the effective verified_at is the later of this and the version's own.
 */
export const scheduleVerifications = pgTable('mapping_schedule_verifications', {
  ndc11: text('ndc11').primaryKey(),
  verified_at: millis('verified_at').notNull(),
  verified_by: text('verified_by').notNull(),
  source: text('source').notNull(),
});

/** One row per applied import (FDA directory or CSV): who, when, why, which files, what changed. */
export const importRuns = pgTable('mapping_import_runs', {
  id: serial('id').primaryKey(),
  kind: text('kind').notNull(),
  table_name: text('table_name').notNull(),
  started_at: millis('started_at').notNull(),
  actor: text('actor').notNull(),
  reason: text('reason').notNull(),
  files: jsonb('files').notNull(),
  counts: jsonb('counts').notNull(),
});

/**
 * A drug code nobody has mapped yet (DESIGN §3 `unm`): opened by the parking worker for the events parked on it,
 * closed when an analyst resolves it. `facility_id` is `*` unless the code is a facility's own (LOCAL).
 */
export const pendingCodes = pgTable(
  'mapping_pending_codes',
  {
    id: serial('id').primaryKey(),
    system: text('system').notNull(),
    facility_id: text('facility_id').notNull(),
    code: text('code').notNull(),
    display: text('display'),
    status: text('status').notNull(),
    first_seen_at: millis('first_seen_at').notNull(),
    last_seen_at: millis('last_seen_at').notNull(),
    events_total: integer('events_total').notNull(),
    resolved_at: millis('resolved_at'),
    resolved_by: text('resolved_by'),
    resolution: jsonb('resolution'),
  },
  (t) => [
    unique('mapping_pending_codes_code_key').on(t.system, t.facility_id, t.code),
    check('mapping_pending_codes_status_known', sql`${t.status} in ('open', 'resolved')`),
  ],
);

/**
 * Events parked on a pending code, in stream order, until their drug is mapped and they are republished. The
 * idempotency key is the guard against parking one event twice (a redelivery, or a sender's retry).
 */
export const parkedEvents = pgTable(
  'mapping_parked_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    stream_seq: bigint('stream_seq', { mode: 'number' }).notNull(),
    idempotency_key: text('idempotency_key').notNull(),
    event_id: uuid('event_id').notNull(),
    facility_id: text('facility_id').notNull(),
    type: text('type').notNull(),
    pending_id: integer('pending_id')
      .notNull()
      .references(() => pendingCodes.id),
    event: jsonb('event').notNull(),
    parked_at: millis('parked_at').notNull(),
    released_at: millis('released_at'),
    /** the class the event was republished with (ctl or gen) */
    released_class: text('released_class'),
  },
  (t) => [
    unique('mapping_parked_events_idempotency_key_key').on(t.idempotency_key),
    index('mapping_parked_events_pending_idx').on(t.pending_id, t.stream_seq),
    // A message trace (GET /api/trace) finds a sender's parked events by the id the sender gave the message.
    index('mapping_parked_events_source_message_id_idx').on(sql`(${t.event}->'source'->>'message_id')`),
  ],
);
