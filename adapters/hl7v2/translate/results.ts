import type { Hl7Segment } from '../message.ts';
import { cweFirst, entityId, providerOf } from './codes.ts';
import type { Job } from './job.ts';
import { careLocation } from './location.ts';
import { readObservations } from './observations.ts';

/**
 * ORU^R01 (HL7 v2.5 §7.3.1): the results a pharmacist doses and monitors by — creatinine and eGFR for renal dosing,
 * INR for warfarin, potassium, a drug level. One `patient.observation` per OBR (one order's results) with the
 * observations that follow it, read as an order's are (observations.ts: numbers, codes, dates and times, never
 * text) and narrowed by HL7_RESULT_OBSERVATIONS. Each OBR belongs to the patient (PID) and visit (PV1) before it, so
 * a message holding several patients' results gives each their own token.
 *
 * A group none of whose results is carried gives no event; a message that gives none at all — a report of text
 * only, or results none of which a pharmacy takes — is not translated, and HL7_UNHANDLED says what becomes of it,
 * as for any other untranslated message: nothing that came is answered without a trace.
 */
export function translateResults(job: Job): void {
  const r = job.r;
  const segments = r.segments;
  if (!segments.some((s) => s.name === 'OBR')) {
    r.issue(100, { seg: job.msh }, `${job.messageType} has no OBR`);
    return;
  }
  let pid: Hl7Segment | undefined;
  let pv1: Hl7Segment | undefined;
  // each PID and PV1 is read once, however many OBRs follow it
  const patients = new Map<Hl7Segment, ReturnType<Job['readPid']>>();
  const visits = new Map<Hl7Segment | undefined, ReturnType<Job['readVisit']>>();
  let group = 0;
  let translated = 0;
  for (const seg of segments) {
    if (seg.name === 'PID') {
      pid = seg;
      pv1 = undefined;
      continue;
    }
    if (seg.name === 'PV1') pv1 = seg;
    if (seg.name !== 'OBR') continue;
    group++;
    if (!pid) {
      r.issue(100, { seg }, `OBR ${group} of ${job.messageType} has no PID before it`);
      continue;
    }
    // The results first: a patient none of whose results is carried leaves nothing in the vault either. The OBXs
    // after an SPM describe the specimen (its volume, its condition), not a result: the group's results end there.
    const observations = readObservations(job, r.following(segments, seg, ['OBR', 'ORC', 'PID', 'SPM']), job.ctx.resultObservations);
    if (observations.length === 0) continue;
    if (!patients.has(pid)) patients.set(pid, job.readPid(pid));
    const patient = patients.get(pid);
    if (!patient) {
      r.issue(101, { seg: pid, field: 3 }, 'PID-3 (patient identifier list) has no identifier');
      continue;
    }
    if (!visits.has(pv1)) visits.set(pv1, job.readVisit(pv1));
    const encounter = visits.get(pv1);
    const observedAt = r.dtm({ seg, field: 7, component: 1 });
    const reportedAt = r.dtm({ seg, field: 22, component: 1 });
    job.add({
      type: 'patient.observation',
      occurred_at: observedAt ?? reportedAt,
      patient_ref: patient.token,
      payload: {
        panel: cweFirst(r, seg, 4),
        order: { placer: entityId(r, seg, 2), filler: entityId(r, seg, 3) },
        observed_at: observedAt,
        reported_at: reportedAt,
        result_status: r.val(seg, 25) || undefined,
        ordering_provider: providerOf(r, seg, 16),
        observations,
        patient_class: r.val(pv1, 2) || undefined,
        encounter_ref: encounter?.token,
        location: careLocation(r, pv1, 3),
        ...patient.facts,
        hl7v2: { message_type: job.messageType, group },
      },
    });
    translated++;
  }
  if (translated === 0 && r.issues.length === 0) {
    job.notTranslated(`${job.messageType} holds no result this gateway carries (numbers, codes, dates and times, as HL7_RESULT_OBSERVATIONS lists)`, 200);
  }
}
