import type { Hl7Segment } from '../message.ts';
import type { Job } from './job.ts';
import { readPrior } from './patient.ts';

/** EVN-6 (event occurred), else EVN-2 (recorded), else the message time (left to the envelope). */
function eventTime(job: Job): string | undefined {
  const evn = job.message.segment('EVN');
  if (!evn) return undefined;
  return job.r.dtm({ seg: evn, field: 6, component: 1 }) ?? job.r.dtm({ seg: evn, field: 2, component: 1 });
}

/**
 * ADT^A01/A04/A08/A31 → one `patient.update`. The event carries the token and what kind of update it was; the
 * identifiers and demographics go to the PHI vault list only.
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
  const pv1 = job.message.segment('PV1');
  job.add({
    type: 'patient.update',
    occurred_at: eventTime(job),
    patient_ref: patient.token,
    payload: {
      trigger: job.message.triggerEvent,
      identifier_types: patient.identifierTypes,
      patient_class: r.val(pv1, 2) || undefined,
      hl7v2: { message_type: job.messageType, event_type_code: r.val(job.message.segment('EVN'), 1) || undefined },
    },
  });
}

/**
 * ADT^A40 → one `patient.merge` per PID/MRG pair: patient_ref is the surviving patient (PID-3), payload
 * prior_patient_ref the one merged into it (MRG-1).
 */
export function translateMerge(job: Job): void {
  const r = job.r;
  const pids = r.segments.filter((s) => s.name === 'PID');
  if (pids.length === 0) {
    r.issue(100, { seg: job.msh }, `${job.messageType} has no PID`);
    return;
  }
  const occurred = eventTime(job);
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
        prior_patient_ref: prior.token,
        hl7v2: { message_type: job.messageType, event_type_code: r.val(job.message.segment('EVN'), 1) || undefined, pair: i + 1 },
      },
    });
  });
}
