import { z } from 'zod';

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
  'medlist.snapshot',
  'mapping.change',
  'hl7v2.unhandled',
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

/**
 * Type-specific bodies. Each adapter's translator owns the fields of the types it emits; until a type has its
 * translator the body is an open object, so that the foundation never refuses an adapter's extra fields.
 */
export const payloadSchemas = Object.fromEntries(
  EVENT_TYPES.map((t) => [t, z.looseObject({})]),
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
