import { describe, expect, it } from 'vitest';
import { decodeBytes, encodeText, resolveCharset } from './charset.ts';
import { Hl7EncodeError, Hl7ErrorCode, Hl7ParseError } from './errors.ts';
import { readMsh18 } from './input-text.ts';
import { parseMessage } from './parse.ts';

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

  it('names the other ISO 8859 parts of table 0211 and the double-byte sets, by value and common alias', () => {
    for (const part of [2, 3, 4, 5, 6, 7, 8, 9, 15]) {
      expect(resolveCharset(`8859/${part}`)).toBe(`8859/${part}`);
      expect(resolveCharset(`iso-8859-${part}`)).toBe(`8859/${part}`);
    }
    expect(resolveCharset('GB 18030-2000')).toBe('GB 18030-2000');
    expect(resolveCharset('GB18030')).toBe('GB 18030-2000');
    expect(resolveCharset('KS X 1001')).toBe('KS X 1001');
    expect(resolveCharset('EUC-KR')).toBe('KS X 1001');
    expect(resolveCharset('BIG-5')).toBe('BIG-5');
    expect(resolveCharset('big5')).toBe('BIG-5');
  });

  it('refuses the sets MLLP cannot frame or that switch by escape sequences', () => {
    for (const value of ['UNICODE', 'UNICODE UTF-32', 'ISO IR14', 'ISO IR159', 'CNS 11643-1992', '8859/10']) {
      expect(resolveCharset(value)).toBeUndefined();
    }
  });
});

/**
 * Bytes taken from the code charts of each standard (ISO/IEC 8859-n, GB 18030, KS X 1001 in EUC-KR, Big5), with the
 * characters they stand for.
 */
const CHARTED: { charset: string; bytes: number[]; text: string }[] = [
  { charset: '8859/2', bytes: [0xa3, 0xf3, 0x64, 0xbc], text: 'Łódź' },
  { charset: '8859/4', bytes: [0xa1, 0xb1], text: 'Ąą' },
  { charset: '8859/5', bytes: [0xb8, 0xd2, 0xd0, 0xdd], text: 'Иван' },
  { charset: '8859/6', bytes: [0xc7], text: 'ا' },
  { charset: '8859/7', bytes: [0xc1, 0xe8, 0xde, 0xed, 0xe1], text: 'Αθήνα' },
  { charset: '8859/8', bytes: [0xe0], text: 'א' },
  { charset: '8859/9', bytes: [0x41, 0xf0, 0x72, 0xfd], text: 'Ağrı' },
  { charset: '8859/15', bytes: [0xa4], text: '€' },
  { charset: 'GB 18030-2000', bytes: [0xd6, 0xd0, 0xce, 0xc4], text: '中文' },
  { charset: 'KS X 1001', bytes: [0xc7, 0xd1, 0xb1, 0xb9], text: '한국' },
  { charset: 'BIG-5', bytes: [0xa4, 0xa4, 0xa4, 0xe5, 0xb3, 0x5c], text: '中文許' },
];

describe('the ISO 8859 parts and the double-byte sets', () => {
  it.each(CHARTED)('reads and writes $charset as its code chart says', ({ charset, bytes, text }) => {
    expect(decodeBytes(Uint8Array.from([0x41, ...bytes]), charset, 0)).toEqual({ text: `A${text}`, decodedAs: charset });
    expect([...encodeText(`A${text}`, charset)]).toEqual([0x41, ...bytes]);
  });

  it('reads 0x80–0x9F of an ISO 8859 part as C1 controls, as ISO 8859 defines them (not a windows code page)', () => {
    expect(decodeBytes(Uint8Array.of(0x80, 0x9f), '8859/9', 0).text).toBe('\u0080\u009f');
  });

  it('refuses a byte the declared charset does not define, with code 102 at that byte', () => {
    // 0xA5 has no character in ISO 8859-3; 0xFF none in 8859-7; 0xFF 0x41 is no Big5 pair.
    for (const [charset, bytes, at] of [['8859/3', [0x41, 0x42, 0xa5], 2], ['8859/7', [0x41, 0xff, 0x42], 1], ['BIG-5', [0x41, 0xa4, 0xa4, 0xff, 0x41], 3]] as const) {
      try {
        decodeBytes(Uint8Array.from(bytes), charset, 0);
        expect.unreachable(charset);
      } catch (error) {
        expect(error).toBeInstanceOf(Hl7ParseError);
        expect((error as Hl7ParseError).code).toBe(Hl7ErrorCode.DataTypeError);
        expect((error as Hl7ParseError).location.position).toBe(at);
      }
    }
  });

  it('refuses to write a character the charset cannot carry, naming its offset', () => {
    try {
      encodeText('Ab中', '8859/2');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(Hl7EncodeError);
      expect((error as Hl7EncodeError).location.position).toBe(2);
    }
    expect(() => encodeText('Łódź', 'KS X 1001')).toThrow(Hl7EncodeError);
  });

  it('parses a Big5 message whose header holds a second byte equal to the field separator, and writes it back byte for byte', () => {
    // 弋 is 0xA4 0x7C in Big5: read byte by byte, MSH-3 would end inside it and MSH-18 would be one field off.
    const bytes = Buffer.concat([
      Buffer.from('MSH|^~\\&|PHARM', 'latin1'),
      Buffer.from([0xa4, 0x7c]),
      Buffer.from('|HOSP1|EHR|HOSP1|20261121101500||ADT^A08|B5-1|P|2.5||||||BIG-5\rPID|1||M1||', 'latin1'),
      Buffer.from([0xb3, 0x5c]),
      Buffer.from('^\\XA47C\\\r', 'latin1'),
    ]);
    expect(readMsh18(bytes).value).toBe('BIG-5');
    const message = parseMessage(bytes);
    expect(message.msh.get(3)).toBe('PHARM弋');
    expect(message.segment('PID')!.get(5, 1)).toBe('許');
    // A hex escape is read in the message's charset.
    expect(message.segment('PID')!.get(5, 2)).toBe('弋');
    expect(Buffer.from(encodeText(message.toString(), message.charset)).equals(bytes)).toBe(true);
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
