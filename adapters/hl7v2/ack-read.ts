import type { Hl7Message } from './message.ts';
import { parseMessage } from './parse.ts';

/**
 * What an acknowledgement says, in codes and locations only: never its free text (MSA-3, ERR-7/8), which can quote
 * patient data and would end up in logs and histories.
 */
export interface AckRead {
  /** MSA-1: AA, AE, AR, CA, CE, CR */
  code: string;
  /** MSA-2: the control id of the message answered */
  controlId: string;
  /** each ERR as `code 204 at PID-3` */
  errors: string[];
  /** the same in one piece for a history line: ` (code 204 at PID-3; …)`, or '' */
  detail: string;
}

/** MSA-1, MSA-2 and the ERR codes of an answer; undefined when it is not a readable acknowledgement. */
export function readAck(frame: Uint8Array): AckRead | undefined {
  let message;
  try {
    message = parseMessage(frame);
  } catch {
    return undefined;
  }
  return readAckMessage(message);
}

/** The same, of a message already parsed. */
export function readAckMessage(message: Hl7Message): AckRead | undefined {
  const msa = message.segment('MSA');
  if (!msa) return undefined;
  const errors = message.all('ERR').map((err) => {
    // v2.5+: ERR-3 code, ERR-2 location (ERL); before: ERR-1 (ELD: segment^sequence^field^code&text)
    const code = err.get(3, 1) || err.get(1, 4, 1);
    const at = err.get(2, 1) ? 2 : 1;
    const location = [err.get(at, 1), err.get(at, 3)].filter(Boolean).join('-');
    return [code && `code ${code}`, location && `at ${location}`].filter(Boolean).join(' ');
  });
  const listed = errors.filter(Boolean);
  return { code: msa.get(1), controlId: msa.get(2), errors: listed, detail: listed.length > 0 ? ` (${listed.join('; ')})` : '' };
}
