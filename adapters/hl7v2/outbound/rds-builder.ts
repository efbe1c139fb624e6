import { createHash } from 'node:crypto';
import { isAsciiText, unwritableAt, type Hl7Charset } from '../charset.ts';
import type { CanonicalEvent } from '../../../gateway/events/schema.ts';
import type { PatientIdentifier } from '../../../gateway/phi/token.ts';
import type { PhiRecord } from '../../../gateway/phi/vault.ts';
import type { ComponentInput, FieldInput, RepetitionInput } from '../field-input.ts';
import { createMessage, type EditableMessage } from '../message.ts';

/**
 * A canonical `rx.dispense` / `rx.dispense.reversal` event → the HL7 v2.5 message an EHR gets back (README,
 * "Outbound to EHRs"). Pure: the patient's vault record, the message control id and the timestamp are passed in.
 *
 * RDS^O13 (v2.5 §4.13.5): MSH, PID, [PV1], ORC, RXD, [RXR], [{RXC}]. A dispense has ORC-1 `RE`; a reversal is written in the
 * receiver's form: `rds-ca` (the default: the same RDS with ORC-1 `CA`), `rde-ca` (RDE^O11 with ORC-1 `CA`: the
 * pharmacy cancels the encoded order, for EHRs that track the order and not its dispenses) or `rds-negative` (the
 * same RDS with ORC-1 `RE` and the amount negative in RXD-4: a credit, for EHRs that book returns as dispenses of a
 * negative quantity; the amount is then required).
 *
 * Nothing is invented: a value the event (or the vault) does not hold is left empty, except RXD-1 (the dispense
 * sub-id counter, 1 when the event has none) and what the receiver cannot do without, which is a build error:
 * patient identifiers (PID-3), a drug code (RXD-2) and, for a dispense, the dispensed amount (RXD-4).
 * Values are escaped by the message model; every value reads back through parseMessage.
 */

export type ReversalForm = 'rds-ca' | 'rde-ca' | 'rds-negative';
export const REVERSAL_FORMS: readonly ReversalForm[] = ['rds-ca', 'rde-ca', 'rds-negative'];

export type OutboundEventType = 'rx.dispense' | 'rx.dispense.reversal';
export const OUTBOUND_EVENT_TYPES: ReadonlySet<string> = new Set<OutboundEventType>(['rx.dispense', 'rx.dispense.reversal']);

/** MSH-3 … MSH-6 and MSH-11. HD values may be written with components (`APP^1.2.3^ISO`), split on `^`. */
export interface OutboundHeader {
  sendingApplication: string;
  sendingFacility: string;
  receivingApplication?: string | undefined;
  receivingFacility?: string | undefined;
  /** MSH-11: P (production, default), T (training), D (debugging) */
  processingId?: string | undefined;
  /**
   * MSH-18, the character set the receiver reads: always declared when given, and a value it cannot carry (a name
   * in another script) is a build error naming the field. Without it the message is ASCII, or UTF-8 (declared)
   * when a value needs more.
   */
  charset?: Hl7Charset | undefined;
  /** MSH-15 AL and MSH-16 NE: enhanced mode, the receiver's commit ACK (CA/CE/CR) is the only answer */
  enhancedAck?: boolean | undefined;
}

export interface DispenseMessageInput {
  event: CanonicalEvent;
  /** the vault record behind event.patient_ref */
  patient: PhiRecord;
  /** the vault record behind payload.encounter_ref (its visit number goes in PV1-19), when the dispense names a visit */
  encounter?: PhiRecord | undefined;
  /** MSH-10 */
  controlId: string;
  /** MSH-7 (written in UTC) */
  timestamp: Date;
  header: OutboundHeader;
  /** how a reversal is written (default rds-ca) */
  reversalForm?: ReversalForm | undefined;
}

/** The event cannot become a message; no retry can change that (the caller dead-letters it). */
export class OutboundBuildError extends Error {
  constructor(
    /** short machine-readable reason: no_patient_identifiers, no_drug_code, no_amount, not_a_dispense, unwritable_character */
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'OutboundBuildError';
  }
}

/** Identifier types that never go out: social security and driver's licence numbers (minimum necessary). */
const WITHHELD_TYPES: ReadonlySet<string> = new Set(['SS', 'DL']);
/** Written in PID-18 (patient account number), not PID-3. */
const ACCOUNT_TYPE = 'AN';

/**
 * MSH-10 for an event: the same event always gets the same control id (max 20 characters, the v2.5 length), so a
 * resend after a lost ACK, a redelivery or a republished event is recognised by receivers that dedupe on MSH-10.
 */
export function controlIdForEvent(eventId: string): string {
  return 'RX' + createHash('sha256').update(eventId).digest('hex').slice(0, 18).toUpperCase();
}

export function buildDispenseMessage(input: DispenseMessageInput): EditableMessage {
  const { event, header } = input;
  if (!OUTBOUND_EVENT_TYPES.has(event.type)) {
    throw new OutboundBuildError('not_a_dispense', `events of type ${event.type} are not sent as HL7 dispenses`);
  }
  const reversal = event.type === 'rx.dispense.reversal';
  const form: 'rds' | 'rde' = reversal && input.reversalForm === 'rde-ca' ? 'rde' : 'rds';
  const payload = event.payload as DispensePayload;

  const pid = pidFields(input.patient);
  const drug = drugCode(event, payload);
  const amount = event.quantity?.value ?? payload.amount;
  const unit = event.quantity?.unit ?? payload.unit;
  if (!reversal && amount === undefined) {
    throw new OutboundBuildError('no_amount', 'the dispense has no amount (quantity.value or payload.amount): RXD-4 is required');
  }
  // A credit: the reversed amount as a negative dispensed amount, whatever sign the event gave it.
  const credit = reversal && input.reversalForm === 'rds-negative';
  if (credit && amount === undefined) {
    throw new OutboundBuildError('no_amount', 'the reversal has no amount (quantity.value or payload.amount): as a negative dispense, RXD-4 is required');
  }
  const rxdAmount = credit ? -Math.abs(amount!) : amount;

  const msh: Record<number, FieldInput> = {
    3: hd(header.sendingApplication),
    4: hd(header.sendingFacility),
    5: hd(header.receivingApplication),
    6: hd(header.receivingFacility),
    7: hl7Timestamp(input.timestamp),
    9: form === 'rds' ? ['RDS', 'O13', 'RDS_O13'] : ['RDE', 'O11', 'RDE_O11'],
    10: input.controlId,
    11: header.processingId || 'P',
    12: '2.5',
    15: header.enhancedAck ? 'AL' : undefined,
    16: header.enhancedAck ? 'NE' : undefined,
  };
  const message = createMessage({ msh: present(msh) });
  message.append('PID', present(pid));
  const pv1 = pv1Fields(payload, input.encounter?.identifiers[0]);
  if (pv1) message.append('PV1', pv1);
  message.append('ORC', present({
    1: reversal && !credit ? 'CA' : 'RE',
    2: payload.order?.placer,
    3: payload.order?.filler,
    4: payload.order?.group,
    9: hl7Timestamp(new Date(event.occurred_at)),
  }));
  const lots = lotsOf(event, payload);
  if (form === 'rds') {
    message.append('RXD', present({
      1: number(payload.dispense_sub_id ?? 1),
      2: drug,
      3: hl7Timestamp(new Date(event.occurred_at)),
      4: number(rxdAmount),
      5: unit === undefined ? undefined : [unit],
      6: coded(payload.dosage_form),
      7: payload.prescription_number,
      8: number(payload.refills_remaining),
      10: provider(payload.dispensing_provider),
      11: payload.substitution,
      12: payload.total_daily_dose && [number(payload.total_daily_dose.value), payload.total_daily_dose.unit === undefined ? undefined : [payload.total_daily_dose.unit]],
      13: payload.dispense_to && placeComponents(payload.dispense_to),
      18: lots.length === 0 ? undefined : { repetitions: lots.map((l) => l.lot) },
      19: lots.length === 0 ? undefined : { repetitions: lots.map((l) => hl7Date(l.expiry)) },
      21: payload.indications?.length ? { repetitions: payload.indications.map(coded) } : undefined,
    }));
  } else {
    message.append('RXE', present({
      2: drug,
      6: coded(payload.dosage_form),
      10: number(amount),
      11: unit === undefined ? undefined : [unit],
      15: payload.prescription_number,
      16: number(payload.refills_remaining),
    }));
  }
  const route = coded(payload.route);
  const site = coded(payload.site);
  if (route !== undefined || site !== undefined) message.append('RXR', present({ 1: route, 2: site }));
  if (form === 'rds') for (const component of payload.components ?? []) message.append('RXC', componentFields(component));

  if (header.charset !== undefined) {
    message.msh.set(18, header.charset);
    const text = message.toString();
    const at = unwritableAt(text, header.charset);
    if (at !== undefined) {
      throw new OutboundBuildError('unwritable_character', `${fieldAt(text, at, message.delimiters.field)} holds a character that ${header.charset} (the EHR's MSH-18) cannot carry`);
    }
  } else if (!isAsciiText(message.toString())) {
    message.msh.set(18, 'UNICODE UTF-8');
  }
  return message;
}

/** The segment and field (`PID-5`) at an offset of a message's text, to name a value without quoting it. */
function fieldAt(text: string, offset: number, fieldSeparator: string): string {
  const lineStart = text.lastIndexOf('\r', offset - 1) + 1;
  const name = text.slice(lineStart, lineStart + 3);
  const separators = text.slice(lineStart, offset).split(fieldSeparator).length - 1;
  // MSH-1 is the field separator itself, so MSH fields are one further on than their separators count.
  return `${name}-${name === 'MSH' ? separators + 1 : separators}`;
}

interface Coded {
  code: string;
  display?: string;
  system?: string;
}

/** The fields of the payload this builder reads (schema: gateway/events/schema.ts rxDispensePayloadSchema). */
interface DispensePayload {
  order?: { placer?: string; filler?: string; group?: string };
  prescription_number?: string;
  dispense_sub_id?: number;
  codes?: Coded[];
  amount?: number;
  unit?: string;
  dosage_form?: Coded;
  components?: Component[];
  refills_remaining?: number;
  dispensing_provider?: { id: string; id_type?: string; authority?: string };
  substitution?: string;
  total_daily_dose?: { value: number; unit?: string };
  indications?: Coded[];
  more_lots?: { lot?: string; expiry?: string }[];
  route?: Coded;
  site?: Coded;
  location?: Place;
  dispense_to?: Place;
  patient_class?: string;
}

/** A component of a compounded or IV dispense (rxDispensePayloadSchema's components). */
interface Component {
  type?: string;
  codes: Coded[];
  drug?: { ndc11?: string; rxnorm?: string };
  amount?: number;
  unit?: string;
  strength?: number;
  strength_unit?: string;
  volume?: number;
  volume_unit?: string;
}

/** A place in the facility (rxDispensePayloadSchema's careLocation). */
interface Place {
  point_of_care?: string;
  room?: string;
  bed?: string;
  facility?: string;
  building?: string;
  floor?: string;
}

/**
 * The place as the first eight components of PL (PV1-3), which LA2 (RXD-13) shares: point of care ^ room ^ bed ^
 * facility ^ status ^ person location type ^ building ^ floor.
 */
function placeComponents(l: Place): (string | undefined)[] {
  return [l.point_of_care, l.room, l.bed, l.facility, undefined, undefined, l.building, l.floor];
}

/**
 * PV1 when the dispense says where the patient was or which visit it belongs to (a dispense that came in with a
 * PV1): PV1-2 the patient class (required by the segment: `U`, unknown, when it is not known), PV1-3 the place (PL),
 * PV1-19 the visit number from the vault (CX), under which an EHR files the dispense. None otherwise.
 */
function pv1Fields(payload: DispensePayload, visit: PatientIdentifier | undefined): Record<number, FieldInput> | undefined {
  const l = payload.location;
  if (!l && !payload.patient_class && !visit) return undefined;
  return present({ 1: '1', 2: payload.patient_class || 'U', 3: l && placeComponents(l), 19: visit && cx(visit) });
}

function pidFields(patient: PhiRecord): Record<number, FieldInput> {
  const usable = patient.identifiers.filter((id) => id.value.trim() !== '' && !WITHHELD_TYPES.has(id.type.trim().toUpperCase()));
  const listed = usable.filter((id) => id.type.trim().toUpperCase() !== ACCOUNT_TYPE);
  const account = usable.find((id) => id.type.trim().toUpperCase() === ACCOUNT_TYPE);
  if (listed.length === 0) {
    throw new OutboundBuildError('no_patient_identifiers', 'the vault holds no patient identifier that can be sent in PID-3');
  }
  const d = patient.demographics ?? {};
  const name = [d.family_name, d.given_name, d.middle_name, d.name_suffix, d.name_prefix];
  return {
    1: '1',
    3: { repetitions: listed.map(cx) },
    5: name.some((part) => part) ? name : undefined,
    7: d.birth_date ? hl7Date(d.birth_date) : undefined,
    8: d.sex,
    18: account ? cx(account) : undefined,
  };
}

/** CX: ID ^ check digit ^ scheme ^ assigning authority (HD) ^ identifier type. An OID authority is HD-2 with type ISO. */
function cx(id: PatientIdentifier): RepetitionInput {
  const authority: ComponentInput = id.authority === '' ? undefined : isOid(id.authority) ? [undefined, id.authority, 'ISO'] : id.authority;
  return [id.value, undefined, undefined, authority, id.type || undefined];
}

function isOid(text: string): boolean {
  return /^[0-2](\.\d+)+$/.test(text);
}

/**
 * RXD-2 / RXE-2 (CWE): the NDC-11 written 5-4-2 with coding system NDC, and the RxNorm CUI as the alternate
 * identifier when the event has both; else the RxNorm CUI; else the first code as the sender wrote it.
 */
function drugCode(event: CanonicalEvent, payload: DispensePayload): RepetitionInput {
  const code = productCode(event.drug, payload.codes);
  if (code === undefined) {
    throw new OutboundBuildError('no_drug_code', 'the event names no drug code (drug.ndc11, drug.rxnorm or payload.codes): RXD-2 is required');
  }
  return code;
}

/** A product as CWE: its NDC-11 written 5-4-2 (RxNorm as the alternate), else its RxNorm CUI, else its first code. */
function productCode(drug: { ndc11?: string | undefined; rxnorm?: string | undefined } | undefined, codes: Coded[] | undefined): RepetitionInput | undefined {
  const text = codes?.find((c) => c.display)?.display;
  const ndc11 = drug?.ndc11;
  const rxnorm = drug?.rxnorm;
  if (ndc11) {
    const ndc = `${ndc11.slice(0, 5)}-${ndc11.slice(5, 9)}-${ndc11.slice(9)}`;
    return rxnorm ? [ndc, text, 'NDC', rxnorm, undefined, 'RXNORM'] : [ndc, text, 'NDC'];
  }
  if (rxnorm) return [rxnorm, text, 'RXNORM'];
  const first = codes?.[0];
  return first ? [first.code, first.display, first.system] : undefined;
}

/**
 * RXC after the RXD's RXR, one per component of a compounded or IV dispense (v2.5 §4.14.6): type, product, amount
 * and unit, strength and its unit, volume and its unit — what the event says, nothing invented.
 */
function componentFields(c: Component): Record<number, FieldInput> {
  return present({
    1: c.type,
    2: productCode(c.drug, c.codes),
    3: number(c.amount),
    4: c.unit === undefined ? undefined : [c.unit],
    5: number(c.strength),
    6: c.strength_unit === undefined ? undefined : [c.strength_unit],
    8: number(c.volume),
    9: c.volume_unit === undefined ? undefined : [c.volume_unit],
  });
}

function coded(c: Coded | undefined): RepetitionInput {
  return c === undefined ? undefined : [c.code, c.display, c.system];
}

/** XCN: ID ^ (name parts 2–8) ^ assigning authority (9) ^ … ^ identifier type code (13). Never a name. */
function provider(p: DispensePayload['dispensing_provider']): RepetitionInput {
  if (!p) return undefined;
  const components: ComponentInput[] = [p.id];
  components[8] = p.authority === undefined ? undefined : isOid(p.authority) ? [undefined, p.authority, 'ISO'] : p.authority;
  components[12] = p.id_type;
  return components;
}

/** The first lot is the event's drug.lot / drug.expiry, further ones payload.more_lots. */
function lotsOf(event: CanonicalEvent, payload: DispensePayload): { lot?: string | undefined; expiry?: string | undefined }[] {
  const lots: { lot?: string | undefined; expiry?: string | undefined }[] = [];
  if (event.drug?.lot !== undefined || event.drug?.expiry !== undefined) lots.push({ lot: event.drug.lot, expiry: event.drug.expiry });
  for (const more of payload.more_lots ?? []) {
    if (lots.length === 0) lots.push({}); // keep the repetitions aligned with the first lot's place
    lots.push(more);
  }
  return lots;
}

/** The fields that have a value: a field left undefined must not become a trailing empty field. */
function present(fields: Record<number, FieldInput>): Record<number, FieldInput> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined && value !== ''));
}

function hd(text: string | undefined): FieldInput {
  if (text === undefined || text === '') return undefined;
  return text.includes('^') ? text.split('^') : text;
}

/** NM: plain decimal notation (no exponent), as the standard requires. */
export function number(value: number | undefined): string | undefined {
  if (value === undefined || !Number.isFinite(value)) return undefined;
  const text = String(value);
  if (!/e/i.test(text)) return text;
  return value.toFixed(20).replace(/\.?0+$/, '');
}

/** DTM in UTC: `YYYYMMDDHHMMSS[.SSS]+0000` (milliseconds only when not zero). */
export function hl7Timestamp(date: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const ms = date.getUTCMilliseconds();
  return (
    `${p(date.getUTCFullYear(), 4)}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}` +
    `${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}${ms === 0 ? '' : `.${p(ms, 3)}`}+0000`
  );
}

/** `YYYY-MM-DD` → `YYYYMMDD`; other text (a date the vault kept as written) as is. */
function hl7Date(date: string | undefined): string | undefined {
  if (date === undefined) return undefined;
  return /^\d{4}-\d{2}-\d{2}$/.test(date) ? date.replaceAll('-', '') : date;
}

