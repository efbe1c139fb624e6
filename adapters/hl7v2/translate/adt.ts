import type { PatientMergeAction, PatientUpdateAction } from '../../../gateway/events/schema.ts';
import type { Hl7Segment } from '../message.ts';
import { providerOf } from './codes.ts';
import type { Job } from './job.ts';
import { readAllergies } from './allergies.ts';
import { readDiagnoses } from './diagnoses.ts';
import { careLocation } from './location.ts';
import { readObservations } from './observations.ts';
import { readPrior } from './patient.ts';

/**
 * The ADT triggers translated to `patient.update` and what each means (v2.5 chapter 3); a swap (A17), of two
 * patients in one message, has its own translator. The account and visit triggers, tracking (A09/A10, A32/A33) and
 * bed status (A20) stay untranslated (`hl7v2.unhandled`).
 */
export const PATIENT_UPDATE_TRIGGERS: Readonly<Record<string, PatientUpdateAction>> = {
  A01: 'admit',
  A02: 'transfer',
  A03: 'discharge',
  A04: 'register',
  A05: 'pre_admit',
  A06: 'change_to_inpatient',
  A07: 'change_to_outpatient',
  A08: 'update',
  A11: 'cancel_admit',
  A12: 'cancel_transfer',
  A13: 'cancel_discharge',
  A14: 'pending_admit',
  A15: 'pending_transfer',
  A16: 'pending_discharge',
  A21: 'leave_of_absence',
  A22: 'return_from_leave_of_absence',
  A25: 'cancel_pending_discharge',
  A26: 'cancel_pending_transfer',
  A27: 'cancel_pending_admit',
  A28: 'add_person',
  A31: 'update_person',
  A38: 'cancel_pre_admit',
  A52: 'cancel_leave_of_absence',
  A53: 'cancel_return_from_leave_of_absence',
  A60: 'update_allergies',
};

/**
 * The ADT triggers translated to `patient.merge`: each names a surviving patient (PID-3) and a prior one (MRG-1).
 * A47 is no merge of two patients but a wrong identifier replaced; for a reader of events the effect is the same:
 * what was recorded under the prior token now belongs to the surviving one.
 */
export const PATIENT_MERGE_TRIGGERS: Readonly<Record<string, PatientMergeAction>> = {
  A18: 'merge',
  A34: 'merge',
  A36: 'merge',
  A39: 'merge',
  A40: 'merge',
  A47: 'change_identifier',
};

/**
 * ADT admissions, transfers, discharges, registrations and person updates (PATIENT_UPDATE_TRIGGERS) → one
 * `patient.update`. The event carries the token, what happened, the patient class, where the patient is, the
 * allergies, observations (weight, height) and diagnoses the message lists; the identifiers and demographics go to the PHI
 * vault list only.
 */
export function translatePatientUpdate(job: Job): void {
  const r = job.r;
  const pid = job.message.segment('PID');
  if (!pid) {
    r.issue(100, { seg: job.msh }, `${job.messageType} has no PID`);
    return;
  }
  const patient = job.patient();
  if (!patient) {
    r.issue(101, { seg: pid, field: 3 }, 'PID-3 (patient identifier list) has no identifier');
    return;
  }
  const trigger = job.message.triggerEvent.trim();
  job.add({
    type: 'patient.update',
    occurred_at: job.eventTime(),
    patient_ref: patient.token,
    payload: {
      action: PATIENT_UPDATE_TRIGGERS[trigger],
      trigger,
      identifier_types: patient.identifierTypes,
      ...visitFields(job, job.message.segment('PV1'), job.message.segment('PV2'), job.encounter()?.token),
      allergies: readAllergies(job),
      // the OBXs of an ADT are the patient's: the weight and height a dose is calculated by
      observations: readObservations(job, r.segments, job.ctx.adtObservations),
      diagnoses: readDiagnoses(job, r.segments, job.ctx.adtDiagnoses),
      ...patient.facts,
      hl7v2: { message_type: job.messageType, event_type_code: r.val(job.message.segment('EVN'), 1) || undefined },
    },
  });
}

/**
 * ADT^A17 (v2.5 §3.3.17): two patients exchange beds, and the message repeats PID, PV1 (PV2, OBX) for each. One
 * `patient.update` per patient, action `swap`, each with its own token, visit, place and observations, read as the
 * two transfers (A02) the swap stands for: PV1-3 where the patient is now, PV1-6 where they were — the reading
 * interface engines take when they split an A17 for systems that cannot take one. A patient without a PV1 is a 100:
 * a swap says nothing else.
 */
export function translateSwap(job: Job): void {
  const r = job.r;
  const pids = r.segments.filter((s) => s.name === 'PID');
  if (pids.length < 2) {
    r.issue(100, { seg: pids[0] ?? job.msh }, `${job.messageType} swaps two patients: ${pids.length === 0 ? 'it has no PID' : 'the second PID is missing'}`);
    return;
  }
  const occurred = job.eventTime();
  const eventTypeCode = r.val(job.message.segment('EVN'), 1) || undefined;
  pids.forEach((pid, i) => {
    const group = r.following(r.segments, pid, ['PID']);
    const pv1 = group.find((s) => s.name === 'PV1');
    if (!pv1) {
      r.issue(100, { seg: pid }, `patient ${i + 1} of ${job.messageType} has no PV1`);
      return;
    }
    const patient = job.readPid(pid);
    if (!patient) {
      r.issue(101, { seg: pid, field: 3 }, 'PID-3 (patient identifier list) has no identifier');
      return;
    }
    job.add({
      type: 'patient.update',
      occurred_at: occurred,
      patient_ref: patient.token,
      payload: {
        action: 'swap',
        trigger: 'A17',
        identifier_types: patient.identifierTypes,
        ...visitFields(job, pv1, group.find((s) => s.name === 'PV2'), job.readVisit(pv1)?.token),
        observations: readObservations(job, group, job.ctx.adtObservations),
        ...patient.facts,
        hl7v2: { message_type: job.messageType, event_type_code: eventTypeCode, pair: i + 1 },
      },
    });
  });
}

/** What a PV1 and PV2 say of one patient's stay: class, places, doctors and expected times. */
function visitFields(job: Job, pv1: Hl7Segment | undefined, pv2: Hl7Segment | undefined, encounterRef: string | undefined) {
  const r = job.r;
  return {
    patient_class: r.val(pv1, 2) || undefined,
    encounter_ref: encounterRef,
    location: careLocation(r, pv1, 3),
    prior_location: careLocation(r, pv1, 6),
    attending: providerOf(r, pv1, 7),
    admitting: providerOf(r, pv1, 17),
    pending_location: careLocation(r, pv1, 42),
    admitted_at: pv1 ? r.dtm({ seg: pv1, field: 44, component: 1 }) : undefined,
    discharged_at: pv1 ? r.dtm({ seg: pv1, field: 45, component: 1 }) : undefined,
    expected_admit_at: pv2 ? r.dtm({ seg: pv2, field: 8, component: 1 }) : undefined,
    expected_discharge_at: pv2 ? r.dtm({ seg: pv2, field: 9, component: 1 }) : undefined,
    expected_return_at: pv2 ? r.dtm({ seg: pv2, field: 47, component: 1 }) : undefined,
  };
}

/**
 * ADT merges and identifier changes (PATIENT_MERGE_TRIGGERS) → one `patient.merge` per PID/MRG pair: patient_ref is
 * the surviving patient (PID-3), payload prior_patient_ref the one merged into it (MRG-1, else MRG-4).
 */
export function translateMerge(job: Job): void {
  const r = job.r;
  const pids = r.segments.filter((s) => s.name === 'PID');
  if (pids.length === 0) {
    r.issue(100, { seg: job.msh }, `${job.messageType} has no PID`);
    return;
  }
  const occurred = job.eventTime();
  pids.forEach((pid, i) => {
    const mrg = r.following(r.segments, pid, ['PID']).find((s): s is Hl7Segment => s.name === 'MRG');
    if (!mrg) {
      r.issue(100, { seg: pid }, `patient ${i + 1} of ${job.messageType} has no MRG`);
      return;
    }
    const patient = job.readPid(pid);
    if (!patient) {
      r.issue(101, { seg: pid, field: 3 }, 'PID-3 (patient identifier list) has no identifier');
      return;
    }
    const prior = readPrior(r, mrg, job.ctx.tokenKey);
    if (!prior) {
      r.issue(101, { seg: mrg, field: 1 }, 'MRG-1 (prior patient identifier list) has no identifier');
      return;
    }
    job.addPhi({ token: prior.token, record: prior.record, source: 'MRG' });
    job.add({
      type: 'patient.merge',
      occurred_at: occurred,
      patient_ref: patient.token,
      payload: {
        action: PATIENT_MERGE_TRIGGERS[job.message.triggerEvent.trim()],
        prior_patient_ref: prior.token,
        hl7v2: { message_type: job.messageType, event_type_code: r.val(job.message.segment('EVN'), 1) || undefined, pair: i + 1 },
      },
    });
  });
}
