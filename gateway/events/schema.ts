import { z } from 'zod';
import { compileAcceptor } from './acceptor.ts';

/**
 * The canonical event (DESIGN §3): the one schema every adapter produces and every consumer reads.
 * Types may be added, never renamed. The JSON Schema served at /schemas/canonical-event.json is generated from
 * this file, so this is the only copy.
 */

export const EVENT_TYPES = [
  'rx.order.new',
  'rx.order.change',
  'rx.order.cancel',
  'rx.dispense',
  'rx.dispense.reversal',
  'rx.administration',
  'inv.receipt',
  'inv.return',
  'inv.waste',
  'inv.adjustment',
  'inv.count',
  'supply.ship_notice',
  'supply.invoice',
  'supply.product_activity',
  'supply.inventory_advice',
  'patient.update',
  'patient.merge',
  'patient.observation',
  'medlist.snapshot',
  'mapping.change',
  'hl7v2.unhandled',
  'outbound.resend',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const SCHEDULES = ['II', 'III', 'IV', 'V', 'NC', 'UNMAPPED'] as const;
export type Schedule = (typeof SCHEDULES)[number];

/** Facility ids become a subject token and a ledger chain name, so they are restricted to subject-safe text. */
export const facilityIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only, 1 to 64 characters');

const isoInstant = z.iso.datetime({ offset: true });

export const sourceSchema = z.object({
  adapter: z.string().min(1).max(32),
  sender: z.string().min(1).max(256),
  message_id: z.string().min(1).max(256),
  raw_sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits'),
});

export const drugSchema = z.object({
  ndc11: z.string().regex(/^\d{11}$/, '11 digits').optional(),
  ndc_raw: z.string().max(64).optional(),
  gtin: z.string().regex(/^\d{14}$/, '14 digits').optional(),
  rxnorm: z.string().regex(/^\d{1,12}$/, 'an RxNorm CUI (digits)').optional(),
  lot: z.string().max(64).optional(),
  expiry: z.iso.date().optional(),
  serial: z.string().max(64).optional(),
  schedule: z.enum(SCHEDULES),
});

export const quantitySchema = z.object({
  value: z.number().finite(),
  unit: z.string().min(1).max(32),
});

/** A patient reference is a keyed token (DESIGN §6), never a name or MRN. */
export const patientRefSchema = z.string().regex(/^pt_[0-9a-f]{32,64}$/, 'a patient token pt_<hex>');
/** A visit (encounter) number as a keyed token (gateway/phi/token.ts encounterToken): what joins a stay's events. */
export const encounterRefSchema = z.string().regex(/^enc_[0-9a-f]{64}$/, 'an encounter token enc_<hex>');

/*
 * Pharmacy and patient bodies (first written for the HL7 v2 translator, adapters/hl7v2/translate/README.md).
 * They are named in domain terms so every adapter can fill them; each is a loose object (an adapter may add
 * fields), and the fields listed are type-checked when present. Protocol provenance goes under a key named after
 * the adapter (`hl7v2`). No body holds patient names, identifiers, birth dates or addresses: patients appear only
 * as tokens (patient_ref, prior_patient_ref).
 */
/** A date to the precision its sender knew: `2018`, `2018-05` or `2018-05-14`. */
const partialDate = z.string().regex(/^\d{4}(-\d{2}(-\d{2})?)?$/, 'a date: YYYY, YYYY-MM or YYYY-MM-DD');
const codedSchema = z.looseObject({ code: z.string().min(1), display: z.string().optional(), system: z.string().optional() });
/** A prescriber, pharmacist or nurse by identifier (NPI, DEA, local id); never by name. */
const providerRefSchema = z.looseObject({ id: z.string().min(1), id_type: z.string().optional(), authority: z.string().optional() });
const orderRefSchema = z.looseObject({ placer: z.string().optional(), filler: z.string().optional(), group: z.string().optional() });
const countSchema = z.number().int().nonnegative();
/** An amount with its unit when the message gives one (HL7 CQ) */
const amountSchema = z.looseObject({ value: z.number(), unit: z.string().optional() });
const timingSchema = z.looseObject({
  source: z.string().optional(),
  quantity: amountSchema.optional(),
  repeat: z.array(z.string()).optional(),
  explicit_times: z.array(z.string()).optional(),
  duration: z.string().optional(),
  start: isoInstant.optional(),
  end: isoInstant.optional(),
  priority: z.string().optional(),
  total_occurrences: countSchema.optional(),
});
const giveSchema = z.looseObject({
  amount_min: z.number().optional(),
  amount_max: z.number().optional(),
  unit: z.string().optional(),
  dosage_form: codedSchema.optional(),
  /** the time unit the amount is given per (HL7: `H1` an hour, `M30` half a minute) */
  per: z.string().optional(),
  /** an infusion's rate and its unit (`23` `mL/hr`) */
  rate: z.number().optional(),
  rate_unit: z.string().optional(),
  strength: z.number().optional(),
  strength_unit: z.string().optional(),
});

/**
 * One of the patient's allergies as the message states them (HL7 AL1), for checking the orders against. The allergen
 * is a coded concept (its code, or its text alone when the sender has no code); reaction descriptions are free text
 * and are not carried.
 */
const allergySchema = z.looseObject({
  /** HL7 table 0127: DA drug, FA food, MA miscellaneous, MC contraindication, EA environmental, AA animal, PA plant, LA pollen */
  type: z.string().optional(),
  allergen: z
    .looseObject({ code: z.string().min(1).optional(), display: z.string().min(1).optional(), system: z.string().optional() })
    .refine((a) => a.code !== undefined || a.display !== undefined, 'an allergen needs a code or a text'),
  /** HL7 table 0128: SV severe, MO moderate, MI mild, U unknown */
  severity: z.string().optional(),
  identified_on: z.iso.date().optional(),
  /** what to do with the patient's list (an allergy update, HL7 IAM-6, table 0323): A add, D delete, U update, X no change */
  action: z.string().optional(),
  /** HL7 table 0436: AL allergy, AD adverse reaction, FI food intolerance, CT contraindication, … */
  sensitivity: z.string().optional(),
  /** when it began, to the precision known: `2018`, `2018-05`, `2018-05-14` */
  onset: partialDate.optional(),
  reported_at: isoInstant.optional(),
  /** HL7 table 0438: C confirmed, P pending, S suspect, E erroneous, … */
  clinical_status: z.string().optional(),
});

/**
 * One component of a compounded or IV product (HL7 RXC): the base solution or an additive, as its own drug (with the
 * schedule the mapping tables gave it when the event was made), its amount and strength.
 */
const componentSchema = z.looseObject({
  /** HL7 table 0166: B base, A additive */
  type: z.string().optional(),
  codes: z.array(codedSchema).min(1),
  drug: drugSchema,
  amount: z.number().optional(),
  unit: z.string().optional(),
  strength: z.number().optional(),
  strength_unit: z.string().optional(),
  volume: z.number().optional(),
  volume_unit: z.string().optional(),
});

/**
 * An observation an order carries (HL7 OBX): weight, height, a lab value the dose depends on. A number (with a
 * comparator or a second number for a structured numeric: `>60`, `1:128`) or a code; never free text.
 */
const observationSchema = z.looseObject({
  code: codedSchema,
  /** OBX-3's alternate codes (components 4–6, and 10–12 from v2.7): a local code's LOINC */
  alternate_codes: z.array(codedSchema).optional(),
  value: z.number().optional(),
  comparator: z.string().optional(),
  separator: z.string().optional(),
  value2: z.number().optional(),
  value_coded: codedSchema.optional(),
  /** a date (DT), to the precision written */
  value_date: partialDate.optional(),
  /** a time (TS, DTM) */
  value_time: isoInstant.optional(),
  unit: z.string().optional(),
  /** HL7 table 0078: L low, H high, A abnormal, … */
  abnormal: z.string().optional(),
  /** HL7 table 0085: F final, P preliminary, C corrected, … */
  status: z.string().optional(),
  observed_at: isoInstant.optional(),
});

/**
 * A diagnosis of the patient (HL7 DG1): its code and what kind it is, never its description. A diagnosis the sender
 * marks confidential is not carried.
 */
const diagnosisSchema = z.looseObject({
  code: codedSchema,
  /** the same diagnosis in other code systems (DG1-3's alternate triplets) */
  alternate_codes: z.array(codedSchema).optional(),
  /** HL7 table 0052: A admitting, W working, F final */
  type: z.string().optional(),
  /** HL7 table 0359: 1 the primary diagnosis, 2 and on the ranked others, 0 not ranked */
  priority: z.string().optional(),
  diagnosed_at: isoInstant.optional(),
  /** who made the diagnosis, by identifier */
  clinician: providerRefSchema.optional(),
  /** HL7 table 0206: A add, D delete, U update (of the diagnosis `id`) */
  action: z.string().optional(),
  /** the sender's identifier of this diagnosis (DG1-20), which a later update or delete names */
  id: z.string().optional(),
});

/**
 * What a dose is checked against besides the weight, on orders, results and patient updates: sex (HL7 table 0001)
 * and age in whole years on the day of the message, 90 meaning 90 or older. Never the birth date.
 */
const patientFactsShape = {
  sex: z.string().optional(),
  age_years: z.number().int().min(0).max(90).optional(),
};

/** Why a drug is ordered, dispensed or given (RXE-27, RXO-20, RXD-21, RXA-19, RXG-22): coded reasons only, never text. */
const indicationsSchema = z.array(codedSchema);

const hl7v2OriginSchema = z.looseObject({
  message_type: z.string().min(1),
  order_control: z.string().optional(),
  group: z.number().int().positive().optional(),
});

/** A place in the facility (HL7 PL): enough to supply the right unit or cabinet; never an address. */
const careLocationSchema = z.looseObject({
  point_of_care: z.string().optional(),
  room: z.string().optional(),
  bed: z.string().optional(),
  facility: z.string().optional(),
  building: z.string().optional(),
  floor: z.string().optional(),
});

export const rxOrderPayloadSchema = z.looseObject({
  /** finer than the type: new, accepted, change, replace, hold, release, refill, status, cancel, discontinue, … */
  action: z.string().min(1).optional(),
  order: orderRefSchema.optional(),
  status: z.string().optional(),
  prescription_number: z.string().optional(),
  /** the drug codes as the sender wrote them (the resolved drug is the event's `drug`) */
  codes: z.array(codedSchema).optional(),
  give: giveSchema.optional(),
  dispense: z.looseObject({ amount: z.number().optional(), unit: z.string().optional() }).optional(),
  /** the base and additives of a compounded or IV order (RXC) */
  components: z.array(componentSchema).optional(),
  indications: indicationsSchema.optional(),
  /** the most the patient is to get in a day (RXE-19): what a maximum-dose check compares against */
  total_daily_dose: amountSchema.optional(),
  /** the sender asks a pharmacist to review the order before it is filled (RXE-20, RXO-16: Y/N) */
  needs_review: z.boolean().optional(),
  /** substitution allowed or made: RXE-9 (table 0167: N none, G generic, T therapeutic) or RXO-9 (table 0161) */
  substitution: z.string().optional(),
  /** what the order says of the patient that a dose depends on (OBX: weight, height, renal function) */
  observations: z.array(observationSchema).optional(),
  refills: countSchema.optional(),
  refills_remaining: countSchema.optional(),
  route: codedSchema.optional(),
  site: codedSchema.optional(),
  timing: z.array(timingSchema).optional(),
  prescriber: providerRefSchema.optional(),
  prescriber_dea: z.string().optional(),
  /** whether prescriber_dea is a well-formed DEA number, or missing on a controlled drug (adapters/hl7v2/translate/dea-check.ts) */
  prescriber_dea_check: z.enum(['valid', 'invalid', 'missing']).optional(),
  verifier: providerRefSchema.optional(),
  /** HL7 table 0004: I inpatient, O outpatient, E emergency, … (PV1-2) */
  patient_class: z.string().optional(),
  /** the visit the order belongs to (PV1-19, tokenised) */
  encounter_ref: encounterRefSchema.optional(),
  /** where the patient is (PV1-3) */
  location: careLocationSchema.optional(),
  /** where the order asks the pharmacy to send the doses, when it says (a unit's cabinet, a clinic): RXE-42/RXO-34, else RXE-8/RXO-8 */
  deliver_to: careLocationSchema.optional(),
  /** the patient's allergies as the order message lists them, to check the order against */
  allergies: z.array(allergySchema).optional(),
  ...patientFactsShape,
  hl7v2: hl7v2OriginSchema.optional(),
});

export const rxDispensePayloadSchema = z.looseObject({
  order: orderRefSchema.optional(),
  prescription_number: z.string().optional(),
  dispense_sub_id: z.number().optional(),
  codes: z.array(codedSchema).optional(),
  amount: z.number().optional(),
  unit: z.string().optional(),
  dosage_form: codedSchema.optional(),
  /** the base and additives dispensed (RXC after the RXD) */
  components: z.array(componentSchema).optional(),
  indications: indicationsSchema.optional(),
  /** RXD-12 */
  total_daily_dose: amountSchema.optional(),
  /** RXD-14: Y/N */
  needs_review: z.boolean().optional(),
  refills_remaining: countSchema.optional(),
  dispensing_provider: providerRefSchema.optional(),
  substitution: z.string().optional(),
  /** lots after the first of a multi-lot dispense (the first is drug.lot / drug.expiry) */
  more_lots: z.array(z.looseObject({ lot: z.string().optional(), expiry: z.iso.date().optional() })).optional(),
  dispense_type: codedSchema.optional(),
  route: codedSchema.optional(),
  site: codedSchema.optional(),
  /** the visit the dispense belongs to (PV1-19, tokenised) */
  encounter_ref: encounterRefSchema.optional(),
  /** where the patient is (PV1-3) */
  location: careLocationSchema.optional(),
  /** where the dispense was sent, when the message says (RXD-13: a unit, a cabinet); never an address */
  dispense_to: careLocationSchema.optional(),
  /** HL7 table 0004: I inpatient, O outpatient, E emergency, … */
  patient_class: z.string().optional(),
  hl7v2: hl7v2OriginSchema.optional(),
});

export const rxAdministrationPayloadSchema = z.looseObject({
  /** `administered`: it was given (or not: see completion_status); `give`: the pharmacy's instruction for a dose. Absent means administered. */
  kind: z.enum(['administered', 'give']).optional(),
  order: orderRefSchema.optional(),
  codes: z.array(codedSchema).optional(),
  amount: z.number().optional(),
  unit: z.string().optional(),
  dosage_form: codedSchema.optional(),
  give: giveSchema.optional(),
  /** the base and additives of the dose to give (RXC after the RXG) */
  components: z.array(componentSchema).optional(),
  indications: indicationsSchema.optional(),
  /** give: RXG-12, Y/N */
  needs_review: z.boolean().optional(),
  start: isoInstant.optional(),
  end: isoInstant.optional(),
  administering_providers: z.array(providerRefSchema).optional(),
  notes: z.array(codedSchema).optional(),
  manufacturer: codedSchema.optional(),
  /** HL7 table 0322: CP complete, PA partial, NA not administered, RE refused */
  completion_status: z.string().optional(),
  /** HL7 table 0206: A add, D delete, U update */
  action_code: z.string().optional(),
  timing: z.array(timingSchema).optional(),
  route: codedSchema.optional(),
  site: codedSchema.optional(),
  /** what was observed with the dose (administered: the OBXs after the RXA) */
  observations: z.array(observationSchema).optional(),
  /** the visit the dose belongs to (PV1-19, tokenised) */
  encounter_ref: encounterRefSchema.optional(),
  /** where the patient is (PV1-3) */
  location: careLocationSchema.optional(),
  /** where the dose was given (administered: RXA-27, else RXA-11) */
  administered_at: careLocationSchema.optional(),
  /** where the pharmacy sends the dose (give: RXG-29, else RXG-11) */
  deliver_to: careLocationSchema.optional(),
  hl7v2: hl7v2OriginSchema.optional(),
});

/**
 * What happened to the patient or the stay: admissions, transfers and discharges (and their cancellations) tell a
 * pharmacy which unit to supply and when to stop a patient's orders; the pending ones, what to prepare (discharge
 * medicines before a pending discharge, the new unit's supply before a pending transfer); a leave of absence, when
 * to hold the doses due while the patient is away; a swap (two patients exchanging beds, one event each), where
 * each one's doses now go; `update`, `add_person` and `update_person` change demographics only.
 */
export const PATIENT_UPDATE_ACTIONS = [
  'admit',
  'transfer',
  'discharge',
  'register',
  'pre_admit',
  'change_to_inpatient',
  'change_to_outpatient',
  'update',
  'cancel_admit',
  'cancel_transfer',
  'cancel_discharge',
  'cancel_pre_admit',
  'pending_admit',
  'pending_transfer',
  'pending_discharge',
  'cancel_pending_admit',
  'cancel_pending_transfer',
  'cancel_pending_discharge',
  'leave_of_absence',
  'return_from_leave_of_absence',
  'cancel_leave_of_absence',
  'cancel_return_from_leave_of_absence',
  'swap',
  'add_person',
  'update_person',
  'update_allergies',
] as const;
export type PatientUpdateAction = (typeof PATIENT_UPDATE_ACTIONS)[number];

export const patientUpdatePayloadSchema = z.looseObject({
  action: z.enum(PATIENT_UPDATE_ACTIONS).optional(),
  trigger: z.string().optional(),
  /** identifier type codes present (MR, SS, …), never the identifiers */
  identifier_types: z.array(z.string()).optional(),
  patient_class: z.string().optional(),
  /** the visit (PV1-19, tokenised): an admission's, a transfer's, a discharge's stay */
  encounter_ref: encounterRefSchema.optional(),
  /** where the patient is (after a transfer: the new place) */
  location: careLocationSchema.optional(),
  /** where the patient was before a transfer */
  prior_location: careLocationSchema.optional(),
  /** the attending and admitting doctors (PV1-7, PV1-17): whom a pharmacist asks about the patient's orders */
  attending: providerRefSchema.optional(),
  admitting: providerRefSchema.optional(),
  /** where a pending transfer will take the patient (PV1-42) */
  pending_location: careLocationSchema.optional(),
  admitted_at: isoInstant.optional(),
  discharged_at: isoInstant.optional(),
  /** when a pending admission is expected (PV2-8) */
  expected_admit_at: isoInstant.optional(),
  /** when the patient is expected to leave (PV2-9): the time discharge medicines must be ready by */
  expected_discharge_at: isoInstant.optional(),
  /** when a patient on leave of absence is expected back (PV2-47) */
  expected_return_at: isoInstant.optional(),
  /** the patient's allergies as this message lists them (absent: the message listed none) */
  allergies: z.array(allergySchema).optional(),
  /** what the message observed of the patient (its OBXs): the weight and height doses are calculated by */
  observations: z.array(observationSchema).optional(),
  /** the patient's diagnoses as the message lists them (DG1): what an order's indication and dose are checked against */
  diagnoses: z.array(diagnosisSchema).optional(),
  ...patientFactsShape,
  hl7v2: hl7v2OriginSchema.optional(),
});

/**
 * One order's results (HL7 ORU^R01: an OBR and its OBXs): the values a pharmacist doses and monitors by —
 * creatinine, eGFR, INR, potassium, a drug level. Numbers, codes, dates and times; never a report's text.
 */
export const patientObservationPayloadSchema = z.looseObject({
  /** what was ordered (OBR-4): the panel or test */
  panel: codedSchema.optional(),
  order: orderRefSchema.optional(),
  /** when the specimen was taken or the observation made (OBR-7) */
  observed_at: isoInstant.optional(),
  /** when the results were reported or last changed (OBR-22) */
  reported_at: isoInstant.optional(),
  /** HL7 table 0123: F final, P preliminary, C corrected, X cancelled, … (OBR-25) */
  result_status: z.string().optional(),
  /** who ordered the tests (OBR-16): whom a pharmacist calls about a critical value */
  ordering_provider: providerRefSchema.optional(),
  observations: z.array(observationSchema).min(1),
  patient_class: z.string().optional(),
  /** the visit the results belong to (PV1-19, tokenised) */
  encounter_ref: encounterRefSchema.optional(),
  /** where the patient is (PV1-3) */
  location: careLocationSchema.optional(),
  ...patientFactsShape,
  hl7v2: hl7v2OriginSchema.optional(),
});

/** `merge`: two records of one patient became one; `change_identifier`: the prior identifier was wrong and is replaced. */
export const PATIENT_MERGE_ACTIONS = ['merge', 'change_identifier'] as const;
export type PatientMergeAction = (typeof PATIENT_MERGE_ACTIONS)[number];

export const patientMergePayloadSchema = z.looseObject({
  action: z.enum(PATIENT_MERGE_ACTIONS).optional(),
  /** the patient merged into the event's patient_ref (which survives) */
  prior_patient_ref: patientRefSchema,
  hl7v2: hl7v2OriginSchema.optional(),
});

/**
 * An HL7 v2 message of a type that is not translated. `raw` is the message text and may hold PHI; it is absent when
 * HL7_UNHANDLED says `record` for the type (the event's source still names the message and the SHA-256 of its bytes).
 */
export const hl7v2UnhandledPayloadSchema = z.looseObject({
  message_type: z.string().min(1),
  structure: z.string().optional(),
  version: z.string().optional(),
  reason: z.string().min(1),
  raw: z.string().min(1).optional(),
});

/**
 * An analyst's resend of a facility's dispenses to its EHR (adapters/hl7v2/outbound/resends.ts): who asked, why,
 * and what was to go again — recorded in the facility's chain before anything is sent.
 */
const outboundResendPayloadSchema = z.object({
  resend_id: z.uuid(),
  actor: z.string().min(1),
  reason: z.string().min(1),
  /** recorded_at range of the dispenses (ISO-8601), or null with event_ids */
  since: z.string().nullable(),
  until: z.string().nullable(),
  event_ids: z.array(z.uuid()).nullable(),
});

const specificPayloads: Partial<Record<EventType, z.ZodType<Record<string, unknown>>>> = {
  'rx.order.new': rxOrderPayloadSchema,
  'rx.order.change': rxOrderPayloadSchema,
  'rx.order.cancel': rxOrderPayloadSchema,
  'rx.dispense': rxDispensePayloadSchema,
  'rx.dispense.reversal': rxDispensePayloadSchema,
  'rx.administration': rxAdministrationPayloadSchema,
  'patient.update': patientUpdatePayloadSchema,
  'patient.merge': patientMergePayloadSchema,
  'patient.observation': patientObservationPayloadSchema,
  'hl7v2.unhandled': hl7v2UnhandledPayloadSchema,
  'outbound.resend': outboundResendPayloadSchema,
};

/**
 * Type-specific bodies. Each adapter's translator owns the fields of the types it emits; until a type has its
 * translator the body is an open object, so that the foundation never refuses an adapter's extra fields.
 */
export const payloadSchemas = Object.fromEntries(
  EVENT_TYPES.map((t) => [t, specificPayloads[t] ?? z.looseObject({})]),
) as unknown as Record<EventType, z.ZodType<Record<string, unknown>>>;

const baseFields = {
  id: z.uuid({ version: 'v7' }),
  facility_id: facilityIdSchema,
  occurred_at: isoInstant,
  received_at: isoInstant,
  source: sourceSchema,
  correlation_id: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'letters, digits and . _ : - (1-128)'),
  idempotency_key: z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits (sha256)'),
  drug: drugSchema.optional(),
  quantity: quantitySchema.optional(),
  patient_ref: patientRefSchema.optional(),
  /** For corrections: the id of the event this one compensates (the ledger is never updated). */
  corrects: z.uuid().optional(),
};

export const canonicalEventSchema = z.discriminatedUnion(
  'type',
  EVENT_TYPES.map((t) => z.object({ ...baseFields, type: z.literal(t), payload: payloadSchemas[t] })) as unknown as [
    z.ZodObject<typeof baseFields & { type: z.ZodLiteral<EventType>; payload: z.ZodType<Record<string, unknown>> }>,
  ],
);

export type CanonicalEvent = z.infer<typeof canonicalEventSchema>;

/**
 * `true` only for what canonicalEventSchema accepts, at a fraction of its cost (acceptor.ts); on `false`, ask the
 * schema for the verdict and the reason.
 */
export const acceptsCanonicalEvent = compileAcceptor(canonicalEventSchema);

/** Event classes of DESIGN §3: controlled (II–V), general, unmapped (parked until an analyst maps the drug). */
export type EventClass = 'ctl' | 'gen' | 'unm';

export function eventClass(event: Pick<CanonicalEvent, 'drug'>): EventClass {
  const schedule = event.drug?.schedule;
  if (schedule === undefined || schedule === 'NC') return 'gen';
  if (schedule === 'UNMAPPED') return 'unm';
  return 'ctl';
}

export function canonicalEventJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://rxgate.dev/schemas/canonical-event.json',
    title: 'rxgate canonical event',
    ...z.toJSONSchema(canonicalEventSchema, { io: 'input' }),
  };
}
