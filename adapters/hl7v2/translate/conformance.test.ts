/**
 * The HL7 v2 corpus against hand-written expectations (conformance/hl7v2/expected/*.json, format in its README).
 * The corpus is read from conformance/hl7v2/ (where the parser work copies it) or, until it is there, from
 * ../shared/corpus/hl7v2/.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { idempotencyKey, sha256Hex } from '../../../gateway/events/ids.ts';
import { canonicalEventSchema } from '../../../gateway/events/schema.ts';
import { encounterToken, patientToken, type PatientIdentifier } from '../../../gateway/phi/token.ts';
import { parseMessage } from '../parse.ts';
import { HANDLERS, translate } from './translate.ts';
import { TOKEN_KEY, resolverWith, testContext } from './test-support.ts';

const repo = resolve(import.meta.dirname, '../../..');
const expectedDir = join(repo, 'conformance/hl7v2/expected');
const corpusDirs = [join(repo, 'conformance/hl7v2'), resolve(repo, '../shared/corpus/hl7v2')];

function corpusFile(name: string): string {
  for (const dir of corpusDirs) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  throw new Error(`corpus file ${name} is in none of ${corpusDirs.join(', ')}`);
}

const conformanceContext = (raw: Uint8Array) =>
  testContext({
    rawSha256: sha256Hex(raw),
    facility: {
      defaultId: 'default',
      map: {
        'HOMERTON UNIVER': 'homerton',
        GENHOS: 'genhos',
        IBM_TORONTO_LAB: 'toronto',
        NISTEHRFAC: 'nist-ehr',
        'Healthmatics Clinic': 'healthmatics',
      },
    },
    drugs: resolverWith([
      { ndc11: '00093310905', rxnorm: '308191', schedule: 'NC' },
      { ndc11: '00054418425', schedule: 'NC' },
      { ndc11: '49281021588', schedule: 'NC' },
    ]),
    defaultTimeZone: 'UTC',
  });

interface ExpectedEvent {
  type: string;
  facility_id: string;
  occurred_at: string;
  source: { sender: string; message_id: string };
  patient: PatientIdentifier | null;
  drug: Record<string, unknown> | null;
  quantity: Record<string, unknown> | null;
  payload: Record<string, unknown>;
  payload_absent?: string[];
  raw_is_message_text?: boolean;
}
interface Expected {
  message_type: string;
  unhandled: boolean;
  errors: { code: number; segment: string; field?: number }[];
  /** `patient` for PID and MRG entries (a patient token), `encounter` for PV1 entries (a visit number's token) */
  phi: ({ source: 'PID' | 'MRG'; patient: PatientIdentifier } | { source: 'PV1'; encounter: PatientIdentifier })[];
  events: ExpectedEvent[];
}

const token = (id: PatientIdentifier) => patientToken(TOKEN_KEY, id);

/** Identifier values and demographics that must never appear in a domain event (short values are too common to test). */
function phiNeedles(records: { identifiers: PatientIdentifier[]; demographics?: Record<string, string> }[]): string[] {
  const needles = new Set<string>();
  for (const r of records) {
    for (const id of r.identifiers) if (id.value.length >= 5) needles.add(id.value);
    const d = r.demographics ?? {};
    for (const key of ['family_name', 'given_name', 'address_street', 'address_city', 'phone_home', 'mothers_maiden_name']) {
      const v = d[key];
      if (v && v.length >= 4) needles.add(v);
    }
    if (d.birth_date && /^\d{4}-\d{2}-\d{2}$/.test(d.birth_date)) {
      needles.add(d.birth_date);
      needles.add(d.birth_date.replaceAll('-', ''));
    }
  }
  return [...needles];
}

const expectations = readdirSync(expectedDir).filter((f) => f.endsWith('.json'));

describe('HL7 v2 corpus → canonical events (hand-written expectations)', () => {
  it.each(expectations)('%s', (file) => {
    const expected = JSON.parse(readFileSync(join(expectedDir, file), 'utf8')) as Expected;
    const raw = readFileSync(corpusFile(file.replace(/\.json$/, '')));
    const message = parseMessage(raw);
    const ctx = conformanceContext(raw);
    const result = translate(message, ctx);

    expect(`${message.messageCode}^${message.triggerEvent}`).toBe(expected.message_type);
    expect(result.errors.map((e) => ({ code: e.code, segment: e.location.segment, field: e.location.field }))).toEqual(
      expected.errors.map((e) => ({ code: e.code, segment: e.segment, field: e.field })),
    );
    expect(result.unhandled === true).toBe(expected.unhandled);
    expect(result.phi.map((p) => ({ source: p.source, token: p.token }))).toEqual(
      expected.phi.map((p) => ({ source: p.source, token: 'encounter' in p ? encounterToken(TOKEN_KEY, p.encounter) : token(p.patient) })),
    );

    expect(result.events.map((e) => e.type)).toEqual(expected.events.map((e) => e.type));
    const needles = phiNeedles(result.phi.map((p) => p.record));
    result.events.forEach((event, i) => {
      const want = expected.events[i]!;
      expect(canonicalEventSchema.safeParse(event).success).toBe(true);
      expect(event.facility_id).toBe(want.facility_id);
      expect(event.occurred_at).toBe(want.occurred_at);
      expect(event.received_at).toBe(ctx.receivedAt.toISOString());
      expect(event.source).toEqual({ adapter: 'hl7v2', sender: want.source.sender, message_id: want.source.message_id, raw_sha256: ctx.rawSha256 });
      expect(event.correlation_id).toBe(ctx.correlationId);
      expect(event.idempotency_key).toBe(idempotencyKey(want.source.sender, `${want.source.message_id}#${i + 1}`, ctx.rawSha256));
      expect(event.patient_ref).toBe(want.patient ? token(want.patient) : undefined);
      expect(event.drug).toEqual(want.drug ?? undefined);
      expect(event.quantity).toEqual(want.quantity ?? undefined);
      const payload: Record<string, unknown> = { ...want.payload };
      if (payload.prior_patient) {
        payload.prior_patient_ref = token(payload.prior_patient as PatientIdentifier);
        delete payload.prior_patient;
      }
      if (payload.encounter) {
        payload.encounter_ref = encounterToken(TOKEN_KEY, payload.encounter as PatientIdentifier);
        delete payload.encounter;
      }
      expect(event.payload).toMatchObject(payload);
      for (const key of want.payload_absent ?? []) expect(event.payload).not.toHaveProperty(key);
      if (want.raw_is_message_text) expect(event.payload.raw).toBe(message.toString());
      if (event.type !== 'hl7v2.unhandled') {
        const json = JSON.stringify(event);
        for (const needle of needles) expect(json, `PHI value leaked into ${event.type}`).not.toContain(needle);
      }
    });
    // Deterministic: the same bytes give the same events (ids come from the context).
    expect(translate(parseMessage(raw), conformanceContext(raw)).events).toEqual(result.events);
  });

  it('has an expectation for every corpus message of a translated type', () => {
    const dir = corpusDirs.find((d) => existsSync(d) && readdirSync(d).some((f) => f.endsWith('.hl7')))!;
    const missing: string[] = [];
    for (const f of readdirSync(dir)) {
      if (!/\.(hl7|er7|txt)$/.test(f) || expectations.includes(`${f}.json`)) continue;
      let message;
      try {
        message = parseMessage(readFileSync(join(dir, f)));
      } catch {
        continue; // batches and malformed files are the parser's conformance, not translation's
      }
      if (HANDLERS[`${message.messageCode}^${message.triggerEvent}`]) missing.push(f);
    }
    expect(missing).toEqual([]);
  });

  it('keeps every other parseable corpus message whole as one hl7v2.unhandled event', () => {
    const dir = corpusDirs.find((d) => existsSync(d) && readdirSync(d).some((f) => f.endsWith('.hl7')))!;
    let seen = 0;
    for (const f of readdirSync(dir)) {
      if (!/\.(hl7|er7|txt)$/.test(f) || expectations.includes(`${f}.json`)) continue;
      const raw = readFileSync(join(dir, f));
      let message;
      try {
        message = parseMessage(raw);
      } catch {
        continue;
      }
      const result = translate(message, conformanceContext(raw));
      expect(result.errors, f).toEqual([]);
      expect(result.unhandled, f).toBe(true);
      expect(result.events.map((e) => e.type), f).toEqual(['hl7v2.unhandled']);
      expect(result.events[0]!.payload.raw, f).toBe(message.toString());
      seen++;
    }
    expect(seen).toBeGreaterThan(5); // eight since result messages (ORU^R01) are translated
  });
});
