import type { CanonicalEvent } from '../../../gateway/events/schema.ts';
import type { PhiRecord } from '../../../gateway/phi/vault.ts';
import type { DrugResolver } from '../../../mappings/resolver.ts';
import type { Hl7ErrorCode, Hl7Location } from '../errors.ts';
import type { CodeList } from './code-list.ts';
import type { UnhandledRules } from './unhandled-policy.ts';

/** The drug resolver's contract (mappings/resolver.ts); the composition root injects the real CachedDrugResolver. */
export type { DrugCode, DrugResolution, DrugResolver } from '../../../mappings/resolver.ts';

/**
 * Which facility a message's events belong to (README, "Facility"). Keys of `map` are HD values as the sender
 * writes them (namespace id, or universal id such as an OID); values are facility ids.
 */
export interface FacilityRule {
  /** Used when no mapped key is found. Must itself be a valid facility id. */
  defaultId: string;
  map?: Readonly<Record<string, string>>;
}

export interface TranslateContext {
  /** When the gateway accepted the message (becomes every event's received_at). */
  receivedAt: Date;
  /** Supplies event ids (UUIDv7). Called once per event, in event order. */
  newId: () => string;
  /** sha256 (lowercase hex) of the raw bytes as received. */
  rawSha256: string;
  correlationId: string;
  facility: FacilityRule;
  /** HMAC key for patient tokens (gateway/phi/token.ts). */
  tokenKey: Buffer;
  drugs: DrugResolver;
  /** IANA zone for HL7 date/times without an offset; 'UTC' when absent. */
  defaultTimeZone?: string;
  /** facility id → IANA zone, for facilities whose senders write local times in another zone than the default */
  facilityTimeZones?: Readonly<Record<string, string>>;
  /** what becomes of a message whose type is not translated (HL7_UNHANDLED); absent: every one is kept whole */
  unhandled?: UnhandledRules;
  /** which OBX of an order are carried (HL7_ORDER_OBSERVATIONS); absent: all */
  orderObservations?: CodeFilter;
  /** which OBX of an administration are carried (HL7_ADMINISTRATION_OBSERVATIONS); absent: all */
  administrationObservations?: CodeFilter;
  /** which OBX of an ADT message are carried (HL7_ADT_OBSERVATIONS); absent: all */
  adtObservations?: CodeFilter;
  /** which OBX of a result message are carried (HL7_RESULT_OBSERVATIONS); absent: all */
  resultObservations?: CodeFilter;
  /** which DG1 of an ADT message are carried (HL7_ADT_DIAGNOSES); absent: all */
  adtDiagnoses?: CodeFilter;
}

/**
 * Which coded items (observations by OBX-3, diagnoses by DG1-3) are carried: all, none, or those whose code —
 * primary or alternate — the list takes.
 */
export type CodeFilter = 'all' | 'none' | CodeList;

/**
 * HL7 table 0357 codes that translation raises: 100 (a required segment is missing), 101 (required field
 * missing), 102 (data type error; also a value longer than the canonical event allows), 103 (table value not
 * found), 207 (application internal error: configuration, resolver failure, an event failing the schema).
 */
export type TranslateErrorCode = Extract<Hl7ErrorCode, 100 | 101 | 102 | 103 | 207>;

/**
 * Something the message claims that is invalid. Shaped like the parser's Hl7Error (code, detail, location with
 * ERL numbering: segmentIndex and occurrence 1-based, repetition 1-based; position = offset of the field in the
 * message text), so the ACK builder turns both into ERR segments the same way. Like the parser's errors, `detail` never quotes
 * field contents (they may hold PHI and end up in logs).
 */
export interface TranslateIssue {
  code: TranslateErrorCode;
  severity: 'E';
  detail: string;
  location: Hl7Location;
}

/**
 * What to put in the PHI vault. `source: 'PID'` entries are the patient as this message states it (identifiers
 * and demographics) and replace what the vault holds for the token. `source: 'MRG'` entries hold only the prior
 * identifiers of a merge; store them only when the vault has no row for that token, so they never erase
 * demographics learned earlier. `source: 'PV1'` entries are a visit number (PV1-19) behind its encounter token,
 * stored like PID entries.
 */
export interface PhiEntry {
  token: string;
  record: PhiRecord;
  source: 'PID' | 'MRG' | 'PV1';
}

export interface TranslationResult {
  /** Schema-valid events, in message order. Publish them only when `errors` is empty. */
  events: CanonicalEvent[];
  phi: PhiEntry[];
  /** True when an `hl7v2.unhandled` event is among the events (the type, or some order group, is not translated). */
  unhandled?: boolean;
  /** Non-empty → answer AE (with ERR segments built from these) and publish nothing. */
  errors: TranslateIssue[];
  /**
   * Set when HL7_UNHANDLED refuses the message's type (ERR code 200 unsupported message type, or 201 unsupported
   * event code when other triggers of the same code are translated): answer AR and publish nothing.
   */
  refused?: RefusalIssue;
}

/** Why a message is refused by type, as an ERR segment names it (at MSH-9). */
export interface RefusalIssue {
  code: Extract<Hl7ErrorCode, 200 | 201>;
  severity: 'E';
  detail: string;
  location: Hl7Location;
}
