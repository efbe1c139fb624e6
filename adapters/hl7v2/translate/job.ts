import { idempotencyKey } from '../../../gateway/events/ids.ts';
import { acceptsCanonicalEvent, canonicalEventSchema, facilityIdSchema, type CanonicalEvent, type EventType } from '../../../gateway/events/schema.ts';
import { isResponse } from '../ack-plan.ts';
import type { Hl7Message, Hl7Segment } from '../message.ts';
import { senderOf } from '../sender.ts';
import { cweCodes, drugSystem, firstNdc, toDrugCodes, type Coded } from './codes.ts';
import { hl7DtmToIso, isValidTimeZone } from './datetime.ts';
import { readEncounter, type EncounterRead } from './encounter.ts';
import { resolveFacility } from './facility.ts';
import { readPatient, type PatientRead } from './patient.ts';
import { Reader, type Loc } from './reader.ts';
import type { DrugResolution, PhiEntry, RefusalIssue, TranslateContext, TranslationResult } from './types.ts';
import { unhandledAction } from './unhandled-policy.ts';

type Drug = NonNullable<CanonicalEvent['drug']>;

/** An event before the envelope (id, facility, source, keys) is put around it. */
export interface Draft {
  type: EventType;
  occurred_at?: string;
  drug?: Drug;
  quantity?: { value: number; unit: string };
  patient_ref?: string;
  payload: Record<string, unknown>;
}

/** Limits of the canonical event schema that sender data can exceed (reported as 102: 0357 code 104 "value too long" is not in the set the parser and ACK builder use, errors.ts). */
const MAX = { ndcRaw: 64, lot: 64, unit: 32, sender: 256, messageId: 256 } as const;

/**
 * Drops undefined members and empty arrays/objects, so payloads carry only what the message said. Walks members with
 * for…in rather than Object.keys, which would allocate an array for every object of every event.
 */
export function compact<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => compact(v)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    const record = value as Record<string, unknown>;
    for (const k in record) {
      if (!Object.prototype.hasOwnProperty.call(record, k)) continue;
      const v = record[k];
      if (v === undefined) continue;
      const c = compact(v);
      if (Array.isArray(c) ? c.length === 0 : c !== null && typeof c === 'object' && isEmptyObject(c)) continue;
      out[k] = c;
    }
    return out as T;
  }
  return value;
}

function isEmptyObject(o: object): boolean {
  for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k)) return false;
  return true;
}

/** One translation of one message: the reader, the facility, the patient, and the drafts so far. */
export class Job {
  readonly r: Reader;
  readonly drafts: Draft[] = [];
  readonly phi: PhiEntry[] = [];
  /** Parts of the message that are kept only as raw text (becomes one hl7v2.unhandled event). */
  readonly untranslated: string[] = [];
  /** set by notTranslated when HL7_UNHANDLED refuses the message's type */
  private refusal: RefusalIssue | undefined;
  readonly facility: string;
  readonly messageType: string;
  private patientRead: PatientRead | undefined | null = null;
  private encounterRead: EncounterRead | undefined | null = null;
  /** read once: a malformed EVN time is one issue, however many events use it */
  private evnTime: string | undefined | null = null;
  /** eventDay(), once read */
  private eventDayText: string | undefined;

  constructor(
    readonly message: Hl7Message,
    readonly ctx: TranslateContext,
  ) {
    // The facility comes first: its zone is how the message's local times are read. Finding it reads text only.
    const facility = resolveFacility(new Reader(message, 'UTC'), message, ctx.facility);
    const zones = ctx.facilityTimeZones;
    const own = zones !== undefined && Object.hasOwn(zones, facility.id) ? zones[facility.id] : undefined;
    const tz = own ?? ctx.defaultTimeZone ?? 'UTC';
    this.r = new Reader(message, isValidTimeZone(tz) ? tz : 'UTC');
    if (!isValidTimeZone(tz)) {
      this.r.issue(207, { seg: message.msh }, `configured ${own ? `time zone of facility ${facility.id}` : 'default time zone'} ${JSON.stringify(tz)} is unknown`);
    }
    // The whole rule is checked at start-up (checkTranslateConfig); per message only the id actually used.
    if (!facilityIdSchema.safeParse(facility.id).success) {
      this.r.issue(207, { seg: message.msh }, `configured facility id for ${facility.source} is not a valid facility id`);
    }
    this.facility = facility.id;
    this.messageType = [message.messageCode, message.triggerEvent].filter(Boolean).join('^');
  }

  get msh(): Hl7Segment {
    return this.message.msh;
  }

  /** MSH-7 when it is a valid date/time (reported when not), otherwise the time the gateway received the message. */
  messageTime(report = true): string {
    const loc = { seg: this.msh, field: 7, component: 1 };
    const iso = report ? this.r.dtm(loc) : (() => {
      const text = this.r.val(this.msh, 7, 1);
      const res = text ? hl7DtmToIso(text, this.r.timeZone) : undefined;
      return res?.ok ? res.iso : undefined;
    })();
    return iso ?? this.ctx.receivedAt.toISOString();
  }

  /** EVN-6 (event occurred), else EVN-2 (recorded), else undefined: the message time, left to the envelope. */
  eventTime(): string | undefined {
    const evn = this.message.segment('EVN');
    if (!evn) return undefined;
    if (this.evnTime === null) this.evnTime = this.r.dtm({ seg: evn, field: 6, component: 1 }) ?? this.r.dtm({ seg: evn, field: 2, component: 1 });
    return this.evnTime;
  }

  /**
   * The day the message is about, as the sender wrote it: EVN-6, else EVN-2, else MSH-7, else the day received (UTC).
   * Ages are counted to it (patient.ts patientFacts); a malformed value is answered where it is read as a time.
   */
  eventDay(): string {
    if (this.eventDayText !== undefined) return this.eventDayText;
    const evn = this.message.segment('EVN');
    const written = [this.r.val(evn, 6, 1), this.r.val(evn, 2, 1), this.r.val(this.msh, 7, 1)].find((t) => t !== '');
    this.eventDayText = written ?? this.ctx.receivedAt.toISOString().slice(0, 10).replaceAll('-', '');
    return this.eventDayText;
  }

  /** The patient of the message (first PID), tokenised; its PHI goes to the vault list once. */
  patient(): PatientRead | undefined {
    if (this.patientRead !== null) return this.patientRead;
    const pid = this.message.segment('PID');
    this.patientRead = pid ? this.readPid(pid) : undefined;
    return this.patientRead;
  }

  /** The visit of the message (PV1-19), tokenised; its identifier goes to the vault list once. */
  encounter(): EncounterRead | undefined {
    if (this.encounterRead !== null) return this.encounterRead;
    this.encounterRead = this.readVisit(this.message.segment('PV1'));
    return this.encounterRead;
  }

  /** The visit of one PV1 (a message of several patients has several), tokenised; its identifier to the vault list. */
  readVisit(pv1: Hl7Segment | undefined): EncounterRead | undefined {
    const visit = readEncounter(this.r, pv1, this.ctx.tokenKey);
    if (visit) this.addPhi({ token: visit.token, record: visit.record, source: 'PV1' });
    return visit;
  }

  readPid(pid: Hl7Segment): PatientRead | undefined {
    const p = readPatient(this.r, pid, this.ctx.tokenKey, this.eventDay());
    if (p) this.addPhi({ token: p.token, record: p.record, source: 'PID' });
    return p;
  }

  addPhi(entry: PhiEntry): void {
    const same = this.phi.findIndex((e) => e.token === entry.token);
    if (same < 0) this.phi.push(entry);
    else if (entry.source === 'PID') this.phi[same] = entry;
  }

  /**
   * The canonical `drug` of a coded field: the resolver's answer, with `ndc_raw` the NDC as the message wrote it,
   * `ndc11` from the resolver or, when it has none, from an unambiguous layout (never from a bare 10 digits).
   */
  drug(codes: readonly Coded[], codeLoc: Loc, extras: { lot?: Loc; expiry?: Loc } = {}): Drug {
    let resolution: DrugResolution;
    try {
      resolution = this.ctx.drugs.resolve(toDrugCodes(codes), this.facility);
    } catch (e) {
      this.r.issue(207, codeLoc, `drug resolver failed: ${e instanceof Error ? e.message : String(e)}`);
      resolution = { drug: { schedule: 'UNMAPPED' }, matchedBy: 'none' };
    }
    const drug: Drug = { ...resolution.drug };
    delete drug.ndc_raw;
    const ndc = firstNdc(codes);
    if (ndc) {
      if (ndc.raw.length > MAX.ndcRaw) this.r.issue(102, codeLoc, `${Reader.where(codeLoc)} NDC is longer than ${MAX.ndcRaw} characters`);
      else drug.ndc_raw = ndc.raw;
      if (!drug.ndc11 && ndc.ndc11) drug.ndc11 = ndc.ndc11;
    }
    if (!drug.rxnorm) {
      const rx = codes.find((c) => drugSystem(c.system) === 'RXNORM' && /^\d{1,12}$/.test(c.code));
      if (rx) drug.rxnorm = rx.code;
    }
    if (!drug.gtin) {
      const gtin = codes.find((c) => drugSystem(c.system) === 'GTIN' && /^\d{14}$/.test(c.code));
      if (gtin) drug.gtin = gtin.code;
    }
    if (extras.lot) {
      const lot = this.r.limited(extras.lot, MAX.lot);
      if (lot) drug.lot = lot;
    }
    if (extras.expiry) {
      const expiry = this.r.date(extras.expiry);
      if (expiry) drug.expiry = expiry;
    }
    return drug;
  }

  /** Codes of a drug field; 101 when the field is empty (a drug event without a drug cannot be translated). */
  drugCodes(seg: Hl7Segment, field: number, what: string): Coded[] {
    const codes = cweCodes(this.r, seg, field);
    if (codes.length === 0) this.r.issue(101, { seg, field }, `${seg.name}-${field} (${what}) is required`);
    return codes;
  }

  /** The event-level quantity, when both amount and unit are given. */
  quantity(value: number | undefined, unit: string | undefined, unitLoc: Loc): { value: number; unit: string } | undefined {
    if (value === undefined || !unit) return undefined;
    if (unit.length > MAX.unit) {
      this.r.issue(102, unitLoc, `${Reader.where(unitLoc)} unit is longer than ${MAX.unit} characters`);
      return undefined;
    }
    return { value, unit };
  }

  add(draft: Draft): void {
    this.drafts.push(draft);
  }

  /** Puts the envelope around every draft, validates, and returns the result. */
  finish(): TranslationResult {
    const r = this.r;
    if (this.untranslated.length > 0) this.drafts.push(this.unhandledDraft(this.untranslated.join('; ')));
    let sender = senderOf(this.message);
    if (sender.length > MAX.sender) {
      r.issue(102, { seg: this.msh, field: 3 }, `MSH-3^MSH-4 (sender) is longer than ${MAX.sender} characters`);
      sender = sender.slice(0, MAX.sender);
    }
    let messageId = this.message.controlId.trim();
    if (messageId === '') {
      r.issue(101, { seg: this.msh, field: 10 }, 'MSH-10 (message control id) is required');
      messageId = `sha256:${this.ctx.rawSha256.slice(0, 16)}`;
    } else if (messageId.length > MAX.messageId) {
      r.issue(102, { seg: this.msh, field: 10 }, `MSH-10 is longer than ${MAX.messageId} characters`);
      messageId = messageId.slice(0, MAX.messageId);
    }
    // MSH-7 is checked for every translated message (a malformed one is a 102), and is the fallback occurred_at.
    const fallback = this.messageTime(this.drafts.some((d) => d.type !== 'hl7v2.unhandled'));
    const events: CanonicalEvent[] = [];
    const receivedAt = this.ctx.receivedAt.toISOString();
    const source = { adapter: 'hl7v2', sender, message_id: messageId, raw_sha256: this.ctx.rawSha256 };
    this.drafts.forEach((d, i) => {
      const event: Record<string, unknown> = {
        id: this.ctx.newId(),
        type: d.type,
        facility_id: this.facility,
        occurred_at: d.occurred_at ?? fallback,
        received_at: receivedAt,
        source,
        correlation_id: this.ctx.correlationId,
        idempotency_key: idempotencyKey(sender, `${messageId}#${i + 1}`, this.ctx.rawSha256),
      };
      if (d.drug) event.drug = d.drug;
      if (d.quantity) event.quantity = d.quantity;
      if (d.patient_ref) event.patient_ref = d.patient_ref;
      event.payload = compact(d.payload);
      // the compiled check first: it allocates nothing for a valid event, where zod copies it whole
      if (acceptsCanonicalEvent(event)) {
        events.push(event as CanonicalEvent);
        return;
      }
      const check = canonicalEventSchema.safeParse(event);
      if (check.success) {
        events.push(check.data);
      } else {
        const first = check.error.issues[0];
        r.issue(207, { seg: this.msh }, `event ${i + 1} (${d.type}) fails the canonical event schema at ${first?.path.join('.') ?? '?'}: ${first?.message ?? ''}`);
      }
    });
    const result: TranslationResult = { events, phi: this.phi, errors: r.issues };
    if (events.some((e) => e.type === 'hl7v2.unhandled')) result.unhandled = true;
    if (this.refusal) result.refused = this.refusal;
    return result;
  }

  /**
   * The whole message is not translated: kept, recorded without its text, or refused, as HL7_UNHANDLED says for
   * its type (unhandled-policy.ts). `code` is what a refusal's ERR says: 201 when other triggers of the message
   * code are translated, else 200. A response (an ACK, or a message with an MSA) is never refused — refusing an
   * acknowledgement tells its sender nothing it can act on — and is recorded instead.
   */
  notTranslated(reason: string, code: RefusalIssue['code']): void {
    let action = unhandledAction(this.ctx.unhandled, this.message.messageCode, this.message.triggerEvent);
    if (action === 'refuse' && isResponse(this.message)) action = 'record';
    if (action === 'refuse') {
      this.refusal = {
        code,
        severity: 'E',
        detail: `${reason}; this gateway does not take it (HL7_UNHANDLED)`,
        location: this.r.locationOf({ seg: this.msh, field: 9 }),
      };
      return;
    }
    this.add(this.unhandledDraft(action === 'keep' ? reason : `${reason}; its text is not kept (HL7_UNHANDLED)`, action === 'keep'));
  }

  /**
   * The message as an `hl7v2.unhandled` event, with its text when `withText` (the text can hold PHI; it goes to the
   * ledger as is). Without it, the event's source (sender, MSH-10, SHA-256 of the bytes) still names the message.
   */
  unhandledDraft(reason: string, withText = true): Draft {
    const patient = this.patient();
    return {
      type: 'hl7v2.unhandled',
      occurred_at: this.messageTime(false),
      patient_ref: patient?.token,
      payload: {
        message_type: this.messageType || '(none)',
        structure: this.message.messageStructure || undefined,
        version: this.message.version || undefined,
        reason,
        raw: withText ? this.message.toString() : undefined,
      },
    };
  }
}
