import { describe, expect, it } from 'vitest';
import { decodeBytes, encodeText, resolveCharset } from './charset.ts';
import { Hl7EncodeError, Hl7ErrorCode, Hl7ParseError } from './errors.ts';
import { readMsh18 } from './input-text.ts';

const latin1Bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));

describe('resolveCharset', () => {
  it('names the three supported charsets by their table 0211 values and common aliases', () => {
    expect(resolveCharset('ASCII')).toBe('ASCII');
    expect(resolveCharset('UNICODE UTF-8')).toBe('UNICODE UTF-8');
    expect(resolveCharset(' utf-8 ')).toBe('UNICODE UTF-8');
    expect(resolveCharset('8859/1')).toBe('8859/1');
    expect(resolveCharset('ISO-8859-1')).toBe('8859/1');
    expect(resolveCharset('')).toBe('');
    expect(resolveCharset('ISO IR87')).toBeUndefined();
    expect(resolveCharset('UNICODE UTF-16')).toBeUndefined();
  });
});

describe('decodeBytes', () => {
  it('reads 0xE9 as é when MSH-18 says 8859/1', () => {
    expect(decodeBytes(latin1Bytes('Ren\xe9'), '8859/1', 0)).toEqual({ text: 'René', decodedAs: '8859/1' });
  });

  it('reads ISO-8859-1 as ISO-8859-1, not windows-1252 (0x80 is a C1 control, not €)', () => {
    expect(decodeBytes(Uint8Array.of(0x80), '8859/1', 0).text).toBe('\u0080');
  });

  it('reads UTF-8 when MSH-18 says UNICODE UTF-8', () => {
    expect(decodeBytes(new TextEncoder().encode('René 日本'), 'UNICODE UTF-8', 0).text).toBe('René 日本');
  });

  it('refuses bytes that are not UTF-8 when the sender declared UTF-8, pointing at the first bad byte', () => {
    const bytes = Uint8Array.of(0x41, 0x42, 0xe9, 0x43);
    const error = (() => {
      try {
        decodeBytes(bytes, 'UNICODE UTF-8', 0);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(Hl7ParseError);
    expect((error as Hl7ParseError).code).toBe(Hl7ErrorCode.DataTypeError);
    expect((error as Hl7ParseError).location.position).toBe(2);
  });

  it('without MSH-18 (or with ASCII) reads valid UTF-8 as UTF-8 and anything else as Latin-1', () => {
    expect(decodeBytes(new TextEncoder().encode('café'), '', 0)).toEqual({ text: 'café', decodedAs: 'UNICODE UTF-8' });
    expect(decodeBytes(latin1Bytes('caf\xe9'), '', 0)).toEqual({ text: 'café', decodedAs: '8859/1' });
    expect(decodeBytes(latin1Bytes('caf\xe9'), 'ASCII', 0).text).toBe('café');
  });

  it('refuses a charset it does not support with code 103 at MSH-18', () => {
    try {
      decodeBytes(latin1Bytes('x'), 'ISO IR87', 140);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(Hl7ParseError);
      expect((error as Hl7ParseError).code).toBe(Hl7ErrorCode.TableValueNotFound);
      expect((error as Hl7ParseError).location).toMatchObject({ segment: 'MSH', field: 18, position: 140 });
    }
  });
});

describe('encodeText', () => {
  it('writes ISO-8859-1 as one byte per character', () => {
    expect([...encodeText('René', '8859/1')]).toEqual([0x52, 0x65, 0x6e, 0xe9]);
  });

  it('writes UTF-8 for UNICODE UTF-8 and for an absent MSH-18', () => {
    expect([...encodeText('é', 'UNICODE UTF-8')]).toEqual([0xc3, 0xa9]);
    expect([...encodeText('é', '')]).toEqual([0xc3, 0xa9]);
  });

  it('refuses characters the charset cannot carry instead of writing "?"', () => {
    expect(() => encodeText('日本', '8859/1')).toThrow(Hl7EncodeError);
    expect(() => encodeText('é', 'ASCII')).toThrow(Hl7EncodeError);
    expect(() => encodeText('x', 'ISO IR87')).toThrow(Hl7EncodeError);
  });
});

describe('readMsh18 (from raw bytes, before decoding)', () => {
  it('finds the first repetition of MSH-18', () => {
    const text = 'MSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.5|||||USA|8859/1~UNICODE UTF-8|\rPID|1\r';
    expect(readMsh18(latin1Bytes(text))).toEqual({ value: '8859/1', position: text.indexOf('8859/1') });
  });

  it('uses the message’s own delimiters', () => {
    const text = 'MSH#$*@!#A#B#C#D#20240101##ADT$A01#1#P#2.5######8859/1*UNICODE UTF-8\r';
    expect(readMsh18(latin1Bytes(text)).value).toBe('8859/1');
  });

  it('finds the MSH after a batch header', () => {
    const text = 'FHS|^~\\&\rBHS|^~\\&\rMSH|^~\\&|A|B|C|D|1||ADT^A01|1|P|2.5||||||UNICODE UTF-8\r';
    expect(readMsh18(latin1Bytes(text)).value).toBe('UNICODE UTF-8');
  });

  it('reads an absent or unreadable MSH-18 as empty', () => {
    expect(readMsh18(latin1Bytes('MSH|^~\\&|A\r')).value).toBe('');
    expect(readMsh18(latin1Bytes('garbage')).value).toBe('');
    expect(readMsh18(new Uint8Array()).value).toBe('');
  });
});
