import { inputToText } from './input-text.ts';
import type { Hl7Message } from './message.ts';
import { readMessage } from './read-message.ts';
import { declaredFieldSeparator, splitSegmentLines } from './segment-lines.ts';

export { parseBatch, type Hl7Batch, type Hl7BatchGroup } from './batch.ts';
export { peekHeader, type PeekedHeader } from './peek.ts';
export { Hl7ParseError, Hl7Error, Hl7ErrorCode, type Hl7Location } from './errors.ts';

/**
 * Parses one HL7 v2 message. Pure: the result depends only on the input.
 *
 * Bytes are decoded per MSH-18 (see charset.ts); a leading UTF-8 BOM is dropped; CR, LF and CRLF terminators
 * and blank lines are tolerated (see segment-lines.ts). Validated: the message starts with MSH, MSH-1/MSH-2 are
 * usable delimiters, every segment name is three upper-case letters or digits, MSH-9.1, MSH-10 and MSH-12 are
 * present (MSH-9.1/9.2 well-formed, MSH-12 a v2 version). Fields are split only when read.
 *
 * The message is returned read-only by type; `editMessage` gives an editable copy.
 * @throws Hl7ParseError with a table 0357 code and the location of the first problem.
 */
export function parseMessage(input: Uint8Array | string): Hl7Message {
  const { text, charset } = inputToText(input);
  const lines = splitSegmentLines(text, declaredFieldSeparator(text));
  return readMessage({ text, lines, first: 0, last: lines.starts.length, sourceStart: 0, sourceEnd: text.length, charset });
}
