/**
 * Which acknowledgements a message asks for (HL7 v2.5 §2.9, table 0155).
 *
 * Original mode — MSH-15 and MSH-16 both empty: one application acknowledgement (AA/AE/AR), always — except to a
 *   response (an ACK, or any message holding an MSA: RRD^O14, RRE^O12, ORL^O22, RSP^K11, …), which in original mode
 *   is never answered: a receiver that acknowledges acknowledgements loops forever with a peer that does the same.
 *   (A response that asks for answers in MSH-15/16 gets what it asks for.)
 * Enhanced mode — either one valued: a commit (accept) acknowledgement CA/CE/CR under the MSH-15 condition,
 * then an application acknowledgement AA/AE/AR under the MSH-16 condition.
 *   AL always · NE never · ER only on error/reject · SU only on success.
 * In enhanced mode an empty MSH-15 reads as AL (an MLLP sender is waiting on the socket for an answer) and an
 * empty MSH-16 as NE (nobody asked for one). A value outside table 0155 reads as AL, for the same reason: the
 * sender is better served by an answer than by silence.
 */
export type AckCondition = 'always' | 'never' | 'error' | 'success';
export type AckOutcome = 'accept' | 'error' | 'reject';
export type AckCode = 'AA' | 'AE' | 'AR' | 'CA' | 'CE' | 'CR';

export interface AckPlan {
  readonly mode: 'original' | 'enhanced';
  /** When to send the commit acknowledgement; 'never' in original mode. */
  readonly commit: AckCondition;
  /** When to send the application acknowledgement; 'always' in original mode ('never' to a response). */
  readonly application: AckCondition;
}

const CONDITIONS: Readonly<Record<string, AckCondition>> = { AL: 'always', NE: 'never', ER: 'error', SU: 'success' };

export interface AckPlanInput {
  readonly messageCode: string;
  readonly acceptAckType: string;
  readonly applicationAckType: string;
  segment(name: string): unknown;
}

/** Whether a message answers another: an ACK, or a message with an MSA segment (the acknowledgement it carries). */
export function isResponse(message: Pick<AckPlanInput, 'messageCode' | 'segment'>): boolean {
  return message.messageCode.trim().toUpperCase() === 'ACK' || message.segment('MSA') !== undefined;
}

export function ackPlan(message: AckPlanInput): AckPlan {
  const accept = message.acceptAckType.trim().toUpperCase();
  const application = message.applicationAckType.trim().toUpperCase();
  if (accept === '' && application === '') {
    return { mode: 'original', commit: 'never', application: isResponse(message) ? 'never' : 'always' };
  }
  return {
    mode: 'enhanced',
    commit: accept === '' ? 'always' : CONDITIONS[accept] ?? 'always',
    application: application === '' ? 'never' : CONDITIONS[application] ?? 'always',
  };
}

/** Whether an acknowledgement under this condition is due for this outcome. */
export function shouldAcknowledge(condition: AckCondition, outcome: AckOutcome): boolean {
  switch (condition) {
    case 'always':
      return true;
    case 'never':
      return false;
    case 'error':
      return outcome !== 'accept';
    case 'success':
      return outcome === 'accept';
  }
}

/** MSA-1 for a commit (CA/CE/CR) or application (AA/AE/AR) acknowledgement. */
export function ackCode(kind: 'commit' | 'application', outcome: AckOutcome): AckCode {
  const letter = outcome === 'accept' ? 'A' : outcome === 'error' ? 'E' : 'R';
  return `${kind === 'commit' ? 'C' : 'A'}${letter}` as AckCode;
}
