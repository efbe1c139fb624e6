import { describe, expect, it } from 'vitest';
import { ackCode, ackPlan, shouldAcknowledge } from './ack-plan.ts';

const plan = (acceptAckType: string, applicationAckType: string, messageCode = 'RDS', segments: string[] = ['MSH', 'PID']) =>
  ackPlan({ messageCode, acceptAckType, applicationAckType, segment: (name) => (segments.includes(name) ? {} : undefined) });

describe('ackPlan', () => {
  it('original mode when MSH-15 and MSH-16 are both empty: one application ACK, always', () => {
    expect(plan('', '')).toEqual({ mode: 'original', commit: 'never', application: 'always' });
    expect(plan(' ', '')).toEqual({ mode: 'original', commit: 'never', application: 'always' });
  });

  it('never answers a response in original mode (acknowledging ACKs loops), but does what a response asks in MSH-15/16', () => {
    expect(plan('', '', 'ACK', ['MSH', 'MSA'])).toEqual({ mode: 'original', commit: 'never', application: 'never' });
    expect(plan('', '', ' ack ', ['MSH'])).toEqual({ mode: 'original', commit: 'never', application: 'never' });
    // RRD^O14, the pharmacy's own application acknowledgement of an RDS^O13, carries an MSA
    expect(plan('', '', 'RRD', ['MSH', 'MSA', 'PID', 'ORC', 'RXD'])).toEqual({ mode: 'original', commit: 'never', application: 'never' });
    expect(plan('AL', 'NE', 'ACK', ['MSH', 'MSA'])).toEqual({ mode: 'enhanced', commit: 'always', application: 'never' });
  });

  it('enhanced mode maps table 0155: AL always, NE never, ER on error, SU on success', () => {
    expect(plan('AL', 'NE')).toEqual({ mode: 'enhanced', commit: 'always', application: 'never' });
    expect(plan('NE', 'AL')).toEqual({ mode: 'enhanced', commit: 'never', application: 'always' });
    expect(plan('ER', 'SU')).toEqual({ mode: 'enhanced', commit: 'error', application: 'success' });
    expect(plan('SU', 'ER')).toEqual({ mode: 'enhanced', commit: 'success', application: 'error' });
  });

  it('in enhanced mode an empty MSH-15 means a commit ACK (the sender waits), an empty MSH-16 none', () => {
    expect(plan('', 'AL')).toEqual({ mode: 'enhanced', commit: 'always', application: 'always' });
    expect(plan('AL', '')).toEqual({ mode: 'enhanced', commit: 'always', application: 'never' });
  });

  it('reads unknown values as AL rather than leave a sender without an answer', () => {
    expect(plan('XX', 'YY')).toEqual({ mode: 'enhanced', commit: 'always', application: 'always' });
  });
});

describe('shouldAcknowledge and ackCode', () => {
  it('applies the condition to the outcome', () => {
    expect(['accept', 'error', 'reject'].map((o) => shouldAcknowledge('always', o as 'accept'))).toEqual([true, true, true]);
    expect(['accept', 'error', 'reject'].map((o) => shouldAcknowledge('never', o as 'accept'))).toEqual([false, false, false]);
    expect(['accept', 'error', 'reject'].map((o) => shouldAcknowledge('error', o as 'accept'))).toEqual([false, true, true]);
    expect(['accept', 'error', 'reject'].map((o) => shouldAcknowledge('success', o as 'accept'))).toEqual([true, false, false]);
  });

  it('names commit codes C* and application codes A*', () => {
    expect([ackCode('commit', 'accept'), ackCode('commit', 'error'), ackCode('commit', 'reject')]).toEqual(['CA', 'CE', 'CR']);
    expect([ackCode('application', 'accept'), ackCode('application', 'error'), ackCode('application', 'reject')]).toEqual(['AA', 'AE', 'AR']);
  });
});
