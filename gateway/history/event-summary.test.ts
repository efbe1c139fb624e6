import { describe, expect, it } from 'vitest';
import { eventSummary, observationText } from './event-summary.ts';

describe('eventSummary: one line for a person reading a patient history', () => {
  it('says what happened to the patient and where', () => {
    expect(eventSummary({ type: 'patient.update', payload: { action: 'pending_discharge', location: { point_of_care: '4W', room: '412', bed: 'B', facility: 'HOSP' } } })).toBe(
      'pending discharge · 4W 412 B',
    );
    expect(eventSummary({ type: 'patient.update', payload: { action: 'update' } })).toBe('update');
    expect(eventSummary({ type: 'patient.update', payload: {} })).toBeUndefined();
    const diagnoses = ['I48.91', 'N18.4', 'E11.9', 'I10'].map((code, i) => ({ code: { code, display: i === 2 ? undefined : `Dx ${code}` } }));
    expect(eventSummary({ type: 'patient.update', payload: { action: 'admit', diagnoses } })).toBe('admit · diagnoses: Dx I48.91, Dx N18.4, E11.9, 1 more');
    expect(eventSummary({ type: 'patient.merge', payload: { action: 'change_identifier', prior_patient_ref: 'pt_00' } })).toBe('change identifier');
  });

  it('names the results with their values, units and flags (N, normal, left out), four at most', () => {
    const creatinine = { code: { code: '2160-0', display: 'Creatinine' }, value: 2.4, unit: 'mg/dL', abnormal: 'H' };
    const egfr = { code: { code: '33914-3', display: 'eGFR' }, comparator: '<', value: 25, abnormal: 'L' };
    const potassium = { code: { code: '2823-3' }, value: 4.1, unit: 'mmol/L', abnormal: 'N' };
    const titer = { code: { code: '5206-8', display: 'Titer' }, value: 1, separator: ':', value2: 128 };
    const organism = { code: { code: '625-4', display: 'Bacteria identified' }, value_coded: { code: '27268008', display: 'Salmonella' } };
    const vis = { code: { code: '29769-7', display: 'VIS presented' }, value_date: '2024-05' };
    expect(eventSummary({ type: 'patient.observation', payload: { observations: [creatinine, egfr] } })).toBe('Creatinine 2.4 mg/dL H; eGFR <25 L');
    expect(eventSummary({ type: 'patient.observation', payload: { observations: [creatinine, egfr, potassium, titer, organism, vis] } })).toBe(
      'Creatinine 2.4 mg/dL H; eGFR <25 L; 2823-3 4.1 mmol/L; Titer 1:128; 2 more',
    );
    expect(observationText(organism)).toBe('Bacteria identified: Salmonella');
    expect(observationText(vis)).toBe('VIS presented 2024-05');
  });

  it('says whether a dose was given, and nothing where the other columns say it all', () => {
    expect(eventSummary({ type: 'rx.administration', payload: { kind: 'administered', completion_status: 'CP' } })).toBe('given');
    expect(eventSummary({ type: 'rx.administration', payload: { kind: 'administered', completion_status: 'RE' } })).toBe('refused');
    expect(eventSummary({ type: 'rx.administration', payload: { completion_status: 'NA' } })).toBe('not given');
    expect(eventSummary({ type: 'rx.administration', payload: { completion_status: 'ZZ' } })).toBe('completion status ZZ');
    expect(eventSummary({ type: 'rx.administration', payload: { kind: 'give' } })).toBe('to give');
    expect(eventSummary({ type: 'hl7v2.unhandled', payload: { message_type: 'MDM^T02', reason: 'x' } })).toBe('MDM^T02, not translated');
    expect(eventSummary({ type: 'rx.dispense', payload: {} })).toBeUndefined();
    // why the drug was ordered or dispensed, when the message says
    const afib = { code: 'I48.91', display: 'Atrial fibrillation' };
    expect(eventSummary({ type: 'rx.order.new', payload: { indications: [afib] } })).toBe('for Atrial fibrillation');
    expect(eventSummary({ type: 'rx.dispense', payload: { indications: [afib, { code: '49436004' }] } })).toBe('for Atrial fibrillation, 49436004');
    expect(eventSummary({ type: 'rx.order.cancel', payload: { indications: [afib] } })).toBeUndefined();
  });
});
