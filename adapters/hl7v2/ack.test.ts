import { Hl7Message as MedplumMessage } from '@medplum/core';
import { Message as Hl7ClientMessage } from 'node-hl7-client';
import { describe, expect, it } from 'vitest';
import { buildAck, buildRejectForUnparseable, formatHl7Timestamp, issueFromError } from './ack.ts';
import { Hl7ErrorCode, Hl7ParseError } from './errors.ts';
import { parseMessage } from './parse.ts';

const at = new Date(Date.UTC(2024, 0, 15, 8, 30, 5));
const TS = '20240115083005+0000';
const ORIGINAL = 'MSH|^~\\&|PHARM^1.2.3^ISO|GENHOSP|RXGATE|PHARMACY|20240115083000||RDE^O11^RDE_O11|MSG0001|P|2.5.1\rPID|1||M1^^^H^MR\rRXE|1|\r';

function rejectOf(raw: string | Uint8Array, controlId = 'R1') {
  let caught: unknown;
  try {
    parseMessage(raw);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(Hl7ParseError);
  return buildRejectForUnparseable(raw, caught, { controlId, timestamp: at });
}

describe('formatHl7Timestamp', () => {
  it('writes UTC to the second with its offset', () => {
    expect(formatHl7Timestamp(at)).toBe(TS);
  });
});

describe('buildAck', () => {
  it('original mode AA: mirrors sender and receiver, keeps version and processing id, quotes MSH-10 in MSA-2', () => {
    const ack = buildAck(parseMessage(ORIGINAL), { code: 'AA', controlId: 'ACK0001', timestamp: at });
    expect(ack.toString()).toBe(`MSH|^~\\&|RXGATE|PHARMACY|PHARM^1.2.3^ISO|GENHOSP|${TS}||ACK^O11^ACK|ACK0001|P|2.5.1\rMSA|AA|MSG0001\r`);
  });

  it('AE with an ERR in the v2.5 form: ERL location, table 0357 code, severity, diagnostic', () => {
    const ack = buildAck(parseMessage(ORIGINAL), {
      code: 'AE',
      controlId: 'ACK0002',
      timestamp: at,
      text: 'give code missing',
      issues: [{ code: Hl7ErrorCode.RequiredFieldMissing, location: { segment: 'RXE', occurrence: 1, field: 2, component: 1 }, diagnostic: 'RXE-2.1 give code is missing' }],
    });
    expect(ack.toString().split('\r')).toEqual([
      `MSH|^~\\&|RXGATE|PHARMACY|PHARM^1.2.3^ISO|GENHOSP|${TS}||ACK^O11^ACK|ACK0002|P|2.5.1`,
      'MSA|AE|MSG0001|give code missing',
      'ERR||RXE^1^2^^1|101^Required field missing^HL70357|E|||RXE-2.1 give code is missing',
      '',
    ]);
  });

  it('v2.3 and v2.4 senders get ERR-1 (ELD) and a two-part MSH-9', () => {
    const ack = buildAck(parseMessage('MSH|^~\\&|A|B|C|D|20240101||ADT^A01|X9|P|2.3\rPID|1\r'), {
      code: 'AE',
      controlId: 'K1',
      timestamp: at,
      issues: [{ code: Hl7ErrorCode.RequiredFieldMissing, location: { segment: 'PID', occurrence: 1, field: 3 } }],
    });
    expect(ack.toString()).toBe(`MSH|^~\\&|C|D|A|B|${TS}||ACK^A01|K1|P|2.3\rMSA|AE|X9\rERR|PID^1^3^101&Required field missing&HL70357\r`);
    const v24 = buildAck(parseMessage('MSH|^~\\&|A|B|C|D|20240101||ORU^R01|X9|P|2.4'), {
      code: 'AR',
      controlId: 'K2',
      timestamp: at,
      issues: [{ code: Hl7ErrorCode.UnsupportedEventCode }],
    });
    expect(v24.toString()).toBe(`MSH|^~\\&|C|D|A|B|${TS}||ACK^R01^ACK|K2|P|2.4\rMSA|AR|X9\rERR|^^^201&Unsupported event code&HL70357\r`);
  });

  it('enhanced mode: commit ACK, and the ACK asks for no acknowledgement itself (MSH-15/16 NE)', () => {
    const original = parseMessage('MSH|^~\\&|A|B|C|D|20240101||RDS^O13^RDS_O13|E1|T|2.6|||AL|ER\r');
    expect(buildAck(original, { code: 'CA', controlId: 'K3', timestamp: '20240115' }).toString()).toBe(
      'MSH|^~\\&|C|D|A|B|20240115||ACK^O13^ACK|K3|T|2.6|||NE|NE\rMSA|CA|E1\r',
    );
  });

  it('uses the original’s delimiters, charset and whole processing id', () => {
    const custom = parseMessage('MSH#$*@!#APP$X#FAC#RX#PH#2024##ADT$A01#C5#P$T#2.5######8859/1\rPID#1\r');
    const ack = buildAck(custom, {
      code: 'AE',
      controlId: 'A#1',
      timestamp: at,
      issues: [{ code: Hl7ErrorCode.DataTypeError, location: { segment: 'PID', occurrence: 1, field: 7 }, diagnostic: 'PID-7 date/time is not a DTM' }],
    });
    expect(ack.toString()).toBe(
      `MSH#$*@!#RX#PH#APP$X#FAC#${TS}##ACK$A01$ACK#A@F@1#P$T#2.5######8859/1\rMSA#AE#C5\rERR##PID$1$7#102$Data type error$HL70357#E###PID-7 date/time is not a DTM\r`,
    );
    expect(ack.charset).toBe('8859/1');
  });

  it('cuts MSA-3 to 80 characters and escapes what it writes', () => {
    const ack = buildAck(parseMessage(ORIGINAL), { code: 'AE', controlId: 'K', timestamp: at, text: `a|b ${'x'.repeat(100)}` });
    expect(ack.segment('MSA')!.get(3)).toBe(`a|b ${'x'.repeat(76)}`);
  });

  it('produces ACKs that our parser and two independent parsers read back', () => {
    const ack = buildAck(parseMessage('MSH#$*@!#APP#FAC#RX#PH#2024##ADT$A01#C5#P#2.5\r'), { code: 'AA', controlId: 'K4', timestamp: at }).toString();
    expect(parseMessage(ack).segment('MSA')!.get(2)).toBe('C5');
    expect(MedplumMessage.parse(ack).getSegment('MSA')?.getField(2)?.toString()).toBe('C5');
    expect(new Hl7ClientMessage({ text: ack }).get('MSA.2').toString()).toBe('C5');
    expect(new Hl7ClientMessage({ text: ack }).get('MSH.9.1').toString()).toBe('ACK');
  });
});

describe('buildRejectForUnparseable', () => {
  it('AR mirroring what the header still says, with the parse error in ERR', () => {
    const raw = 'MSH|^~\\&|LAB|H|RX|P|20240101||ORU^R01|C77|P|2.5.1\rP-D|x\r';
    const ack = rejectOf(raw);
    const lines = ack.toString().split('\r');
    expect(lines[0]).toBe(`MSH|^~\\&|RX|P|LAB|H|${TS}||ACK^R01^ACK|R1|P|2.5.1`);
    expect(lines[1]).toBe('MSA|AR|C77|segment name must be three upper-case letters or digits followed by the field se');
    expect(lines[2]).toBe(
      `ERR|||100^Segment sequence error^HL70357|E|||segment name must be three upper-case letters or digits followed by the field separator (segment #2, position ${raw.indexOf('P-D')})`,
    );
  });

  it('CR in enhanced mode, with the ERR location when the error has one', () => {
    const ack = rejectOf('MSH|^~\\&|LAB|H|RX|P|20240101||ORU^R01||P|2.5.1|||AL|AL\r');
    expect(ack.segment('MSA')!.get(1)).toBe('CR');
    expect(ack.msh.get(15)).toBe('NE');
    expect(ack.segment('ERR')!.rawField(2)).toBe('MSH^1^10');
    expect(ack.segment('ERR')!.rawField(3)).toBe('101^Required field missing^HL70357');
  });

  it('keeps the sender’s custom delimiters and the ELD form for old versions', () => {
    const ack = rejectOf('MSH#$*@!#APP#FAC#RX#PH#1##ADT$A01#C5#P#2.3\rP-D#x\r');
    expect(ack.toString()).toBe(`MSH#$*@!#RX#PH#APP#FAC#${TS}##ACK$A01#R1#P#2.3\rMSA#AR#C5#segment name must be three upper-case letters or digits followed by the field se\rERR#$$$100!Segment sequence error!HL70357\r`);
  });

  it('falls back to the default delimiters and a default version for garbage', () => {
    expect(rejectOf('hello').toString()).toBe(`MSH|^~\\&|||||${TS}||ACK^^ACK|R1|P|2.5.1\rMSA|AR||a message must start with an MSH segment\rERR|||100^Segment sequence error^HL70357|E|||a message must start with an MSH segment (segment #1, position 0)\r`);
    const unusable = rejectOf('MSH|^^^^|A|B|C|D|1||ADT^A01|X|P|2.5');
    expect(unusable.delimiters.component).toBe('^');
    expect(unusable.msh.get(5)).toBe('A');
    expect(unusable.segment('MSA')!.get(2)).toBe('X');
  });

  it('never copies a control character (an MLLP frame byte) from the sender into the ACK', () => {
    const ack = rejectOf('MSH|^~\\&|A|B|C|D|1||ADT^A01|X\x1cY|P|2.5\rP-D\r');
    expect(ack.toString()).not.toMatch(/[\x0b\x1c]/);
    expect(ack.segment('MSA')!.get(2)).toBe('X\x1cY');
  });

  it('writes spaces for delimiters in text when the sender declared no escape character', () => {
    const ack = rejectOf('MSH|^~&|A|B|C|D|1||ADT^A01|X|P|2.5\rP-D\r');
    expect(ack.toString()).toContain('ERR|||100^Segment sequence error^HL70357|E|||');
    expect(() => parseMessage(ack.toString())).not.toThrow();
  });

  it('answers 207 for an error that is not an HL7 one', () => {
    expect(issueFromError(new TypeError('boom')).code).toBe(Hl7ErrorCode.ApplicationInternalError);
    const ack = buildRejectForUnparseable('MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5', new TypeError('boom'), { controlId: 'R', timestamp: at });
    expect(ack.segment('ERR')!.rawField(3)).toBe('207^Application internal error^HL70357');
    expect(ack.toString()).not.toContain('boom');
  });
});
