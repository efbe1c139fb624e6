import { describe, expect, it } from 'vitest';
import { Hl7ErrorCode, Hl7ParseError, parseBatch, type Hl7Location } from './parse.ts';

const message = (id: string, extra = ''): string => `MSH|^~\\&|LAB|H|RX|P|20240101||ORU^R01^ORU_R01|${id}|P|2.5.1\rPID|1||${id}^^^H^MR${extra}\rOBX|1|NM|2345-7^GLUCOSE^LN||98|mg/dL`;
const FHS = 'FHS|^~\\&|LAB|H|RX|P|20240101||||F1';
const BHS = 'BHS|^~\\&|LAB|H|RX|P|20240101||||B1';

function batchError(text: string): Hl7ParseError {
  try {
    parseBatch(text);
  } catch (error) {
    if (error instanceof Hl7ParseError) return error;
    throw error;
  }
  throw new Error('expected an Hl7ParseError');
}

function expectBatchError(text: string, code: number, location: Partial<Hl7Location>, detail?: RegExp): void {
  const error = batchError(text);
  expect(error.code).toBe(code);
  expect(error.location).toMatchObject(location);
  if (detail) expect(error.detail).toMatch(detail);
}

describe('parseBatch', () => {
  it('reads FHS/BHS/…/BTS/FTS with counts that match', () => {
    const text = [FHS, BHS, message('M1'), message('M2'), 'BTS|2', 'FTS|1', ''].join('\r');
    const batch = parseBatch(text);
    expect(batch.fileHeader?.get(11)).toBe('F1');
    expect(batch.fileHeader?.get(3)).toBe('LAB');
    expect(batch.batches).toHaveLength(1);
    expect(batch.batches[0]!.header?.get(11)).toBe('B1');
    expect(batch.batches[0]!.trailer?.get(1)).toBe('2');
    expect(batch.fileTrailer?.get(1)).toBe('1');
    expect(batch.messages.map((m) => m.controlId)).toEqual(['M1', 'M2']);
    expect(batch.messages[1]!.segment('OBX')!.get(3, 2)).toBe('GLUCOSE');
    expect(batch.toString()).toBe(text);
    expect(batch.messages.map((m) => m.toString()).join('')).toBe(text.slice(text.indexOf('MSH'), text.indexOf('BTS')));
  });

  it('accepts several batches in a file, an empty batch with count 0, and missing counts', () => {
    const text = [FHS, BHS, message('M1'), 'BTS|1', BHS, 'BTS|0', BHS, message('M2'), 'BTS', 'FTS|3'].join('\r');
    const batch = parseBatch(text);
    expect(batch.batches.map((group) => group.messages.length)).toEqual([1, 0, 1]);
  });

  it('accepts a batch without FHS, and plain concatenated messages', () => {
    expect(parseBatch([BHS, message('M1'), 'BTS|1'].join('\r')).messages).toHaveLength(1);
    const plain = parseBatch([message('M1'), message('M2'), message('M3')].join('\n'));
    expect(plain.batches).toHaveLength(1);
    expect(plain.messages.map((m) => m.controlId)).toEqual(['M1', 'M2', 'M3']);
  });

  it('reads each message with its own delimiters', () => {
    const custom = 'MSH#$*@!#LAB#H#RX#P#20240101##ADT$A08#M9#P#2.5\rPID#1##X$$$H$MR';
    const batch = parseBatch([FHS, BHS, message('M1'), custom, 'BTS|2', 'FTS|1'].join('\r'));
    expect(batch.messages[1]!.segment('PID')!.get(3, 4)).toBe('H');
    expect(batch.delimiters.field).toBe('|');
  });

  it('a BTS count that does not match: 100 at BTS-1, naming both numbers', () => {
    const text = [FHS, BHS, message('M1'), 'BTS|2', 'FTS|1'].join('\r');
    expectBatchError(text, Hl7ErrorCode.SegmentSequenceError, { segment: 'BTS', segmentIndex: 6, field: 1, position: text.indexOf('BTS|') + 4 }, /declares 2 messages but 1 is present/);
  });

  it('an FTS count that does not match: 100 at FTS-1', () => {
    const text = [FHS, BHS, message('M1'), 'BTS|1', 'FTS|2'].join('\r');
    expectBatchError(text, Hl7ErrorCode.SegmentSequenceError, { segment: 'FTS', field: 1 }, /declares 2 batches but 1 is present/);
  });

  it('a count that is no number: 102', () => {
    expectBatchError([BHS, message('M1'), 'BTS|one'].join('\r'), Hl7ErrorCode.DataTypeError, { segment: 'BTS', field: 1 });
  });

  it('a broken envelope: 100 naming what is missing or misplaced', () => {
    expectBatchError([FHS, BHS, message('M1'), 'BTS|1'].join('\r'), Hl7ErrorCode.SegmentSequenceError, {}, /FHS without a matching FTS/);
    expectBatchError([FHS, BHS, message('M1'), 'FTS|1'].join('\r'), Hl7ErrorCode.SegmentSequenceError, { segment: 'FTS' }, /BHS without a matching BTS/);
    expectBatchError([message('M1'), 'BTS|1'].join('\r'), Hl7ErrorCode.SegmentSequenceError, { segment: 'BTS' }, /BTS without a preceding BHS/);
    expectBatchError([BHS, message('M1'), 'BTS|1', 'FTS|1'].join('\r'), Hl7ErrorCode.SegmentSequenceError, { segment: 'FTS' }, /FTS without a preceding FHS/);
    expectBatchError([FHS, BHS, 'PID|1', 'BTS|0', 'FTS|1'].join('\r'), Hl7ErrorCode.SegmentSequenceError, { segment: 'PID', segmentIndex: 3 }, /expected MSH/);
    expectBatchError([FHS, BHS, 'BTS|0', 'FTS|1', 'ZZZ|1'].join('\r'), Hl7ErrorCode.SegmentSequenceError, { segmentIndex: 5 }, /after FTS/);
    expectBatchError(['PID|1', message('M1')].join('\r'), Hl7ErrorCode.SegmentSequenceError, { segmentIndex: 1 }, /must start with FHS, BHS or MSH/);
    expectBatchError('', Hl7ErrorCode.SegmentSequenceError, { position: 0 }, /empty/);
  });

  it('an error inside a message names the message, the segment inside it and the position in the whole text', () => {
    const bad = 'MSH|^~\\&|LAB|H|RX|P|20240101||ORU^R01||P|2.5.1';
    const text = [FHS, BHS, message('M1'), bad, 'BTS|2', 'FTS|1'].join('\r');
    expectBatchError(text, Hl7ErrorCode.RequiredFieldMissing, {
      messageIndex: 2,
      segment: 'MSH',
      segmentIndex: 1,
      field: 10,
      position: text.indexOf(bad) + bad.indexOf('||P|2.5.1') + 1,
    });
  });

  it('reads the FHS delimiters (custom) for the envelope', () => {
    const batch = parseBatch(['FHS#$*@!#LAB$X', 'MSH#$*@!#LAB#H#RX#P#1##ADT$A08#M9#P#2.5', 'FTS#1'].join('\r'));
    expect(batch.fileHeader?.get(3, 2)).toBe('X');
    expect(batch.fileTrailer?.get(1)).toBe('1');
  });
});
