import { describe, expect, it } from 'vitest';
import { splitSegmentLines } from './segment-lines.ts';

function lines(text: string): string[] {
  const { starts, ends } = splitSegmentLines(text, '|');
  return starts.map((start, i) => text.slice(start, ends[i]));
}

describe('splitSegmentLines', () => {
  it('splits on CR, LF and CRLF, also mixed in one text', () => {
    expect(lines('MSH|a\rPID|b\r')).toEqual(['MSH|a', 'PID|b']);
    expect(lines('MSH|a\nPID|b\n')).toEqual(['MSH|a', 'PID|b']);
    expect(lines('MSH|a\r\nPID|b\r\n')).toEqual(['MSH|a', 'PID|b']);
    expect(lines('MSH|a\rPID|b\nPV1|c\r\nZZ1|d')).toEqual(['MSH|a', 'PID|b', 'PV1|c', 'ZZ1|d']);
  });

  it('skips blank lines anywhere, including lines of spaces, tabs or a stray MLLP start byte', () => {
    expect(lines('\r\nMSH|a\r\r\nPID|b\r  \r\x0b\r\n\n')).toEqual(['MSH|a', 'PID|b']);
  });

  it('keeps a bare LF inside a CR-terminated segment when what follows is no segment (a wrapped line)', () => {
    expect(lines('MSH|a\rPID|1|^^2.\n5.1|x\rPV1|1\r')).toEqual(['MSH|a', 'PID|1|^^2.\n5.1|x', 'PV1|1']);
  });

  it('ends a segment at a bare LF that is followed by a segment, even among CRs', () => {
    expect(lines('MSH|a\rIN1|1\nIN2|2\nAL1|3\r')).toEqual(['MSH|a', 'IN1|1', 'IN2|2', 'AL1|3']);
    expect(lines('MSH|a\rZZZ\nPID|1\r')).toEqual(['MSH|a', 'ZZZ', 'PID|1']);
  });

  it('in a text without CR, every LF ends a segment (so a bad name is reported, not glued on)', () => {
    expect(lines('MSH|a\npid|b\n')).toEqual(['MSH|a', 'pid|b']);
  });

  it('returns the whole text as one line when there is no terminator', () => {
    expect(lines('MSH|a')).toEqual(['MSH|a']);
    expect(lines('')).toEqual([]);
  });
});
