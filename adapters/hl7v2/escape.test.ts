import { describe, expect, it } from 'vitest';
import { DEFAULT_DELIMITERS, type Delimiters } from './delimiters.ts';
import { Hl7EncodeError } from './errors.ts';
import { decodeEscapes, encodeEscapes } from './escape.ts';

const d = DEFAULT_DELIMITERS;
/** `MSH#$*@!…`: field #, component $, repetition *, escape @, subcomponent ! */
const custom: Delimiters = { field: '#', component: '$', repetition: '*', escape: '@', subcomponent: '!' };
const withTruncation: Delimiters = { ...DEFAULT_DELIMITERS, truncation: '#' };

describe('decodeEscapes', () => {
  it.each([
    ['\\F\\', '|'],
    ['\\S\\', '^'],
    ['\\T\\', '&'],
    ['\\R\\', '~'],
    ['\\E\\', '\\'],
  ])('decodes %s as the delimiter it stands for', (escaped, plain) => {
    expect(decodeEscapes(`a${escaped}b`, d)).toBe(`a${plain}b`);
  });

  it('decodes the same letters to the message’s own delimiters', () => {
    expect(decodeEscapes('@F@@S@@T@@R@@E@', custom)).toBe('#$!*@');
  });

  it('decodes \\P\\ to the truncation character only when MSH-2 declares one', () => {
    expect(decodeEscapes('Suite \\P\\5', withTruncation)).toBe('Suite #5');
    expect(decodeEscapes('Suite \\P\\5', d)).toBe('Suite \\P\\5');
  });

  it('decodes hex bytes, joining adjacent sequences into one UTF-8 character', () => {
    expect(decodeEscapes('\\X41\\', d)).toBe('A');
    expect(decodeEscapes('line\\X0D0A\\next', d)).toBe('line\r\nnext');
    expect(decodeEscapes('caf\\XC3A9\\', d)).toBe('café');
    expect(decodeEscapes('caf\\XC3\\\\XA9\\', d)).toBe('café');
  });

  it('reads hex bytes in the message charset', () => {
    expect(decodeEscapes('caf\\XE9\\', d, '8859/1')).toBe('café');
    // 0xE9 alone is not UTF-8: it reads as Latin-1, the same fallback as a message without MSH-18.
    expect(decodeEscapes('caf\\XE9\\', d, 'UNICODE UTF-8')).toBe('café');
  });

  it('decodes a very long hex sequence without exhausting the stack', () => {
    expect(decodeEscapes(`\\X${'41'.repeat(300_000)}\\`, d)).toBe('A'.repeat(300_000));
  });

  it('keeps malformed hex sequences as they are', () => {
    expect(decodeEscapes('\\X4\\', d)).toBe('\\X4\\');
    expect(decodeEscapes('\\XZZ\\', d)).toBe('\\XZZ\\');
  });

  it('turns \\.br\\ and \\.sp\\ into line breaks and drops the other formatting commands', () => {
    expect(decodeEscapes('one\\.br\\two', d)).toBe('one\ntwo');
    expect(decodeEscapes('a\\.sp\\b', d)).toBe('a\nb');
    expect(decodeEscapes('a\\.sp3\\b', d)).toBe('a\n\n\nb');
    expect(decodeEscapes('a\\.sp999999999\\b', d)).toBe(`a${'\n'.repeat(99)}b`);
    expect(decodeEscapes('\\.fi\\\\.nf\\\\.in+4\\\\.ti-2\\\\.sk3\\\\.ce\\x', d)).toBe('x');
  });

  it('drops highlighting on/off, which carries no text', () => {
    expect(decodeEscapes('\\H\\IMPORTANT\\N\\ note', d)).toBe('IMPORTANT note');
  });

  it('keeps escapes it does not know, escape characters included', () => {
    expect(decodeEscapes('\\Zlocal\\', d)).toBe('\\Zlocal\\');
    expect(decodeEscapes('\\C2842\\x\\M2442\\', d)).toBe('\\C2842\\x\\M2442\\');
    expect(decodeEscapes('\\Q\\', d)).toBe('\\Q\\');
    expect(decodeEscapes('\\.xx\\', d)).toBe('\\.xx\\');
  });

  it('keeps an unterminated escape literally', () => {
    expect(decodeEscapes('C:\\temp', d)).toBe('C:\\temp');
    expect(decodeEscapes('end\\', d)).toBe('end\\');
  });

  it('treats a doubled escape character as a literal one followed by a possible sequence', () => {
    expect(decodeEscapes('a\\\\F\\', d)).toBe('a\\|');
  });

  it('leaves text alone when the message declares no escape character', () => {
    expect(decodeEscapes('a\\F\\b', { ...d, escape: '' })).toBe('a\\F\\b');
  });
});

describe('encodeEscapes', () => {
  it('escapes each delimiter', () => {
    expect(encodeEscapes('a|b^c&d~e\\f', d)).toBe('a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f');
    expect(encodeEscapes('#$!*@', custom)).toBe('@F@@S@@T@@R@@E@');
  });

  it('escapes the truncation character when there is one', () => {
    expect(encodeEscapes('Suite #5', withTruncation)).toBe('Suite \\P\\5');
    expect(encodeEscapes('Suite #5', d)).toBe('Suite #5');
  });

  it('writes control characters as hex so a value never breaks a segment or an MLLP frame', () => {
    expect(encodeEscapes('a\rb\nc', d)).toBe('a\\X0D\\b\\X0A\\c');
    expect(encodeEscapes('\x0b\x1c', d)).toBe('\\X0B\\\\X1C\\');
    expect(encodeEscapes('tab\tkept', d)).toBe('tab\tkept');
  });

  it('returns plain text unchanged', () => {
    expect(encodeEscapes('ACETAMINOPHEN 325 MG TAB', d)).toBe('ACETAMINOPHEN 325 MG TAB');
    expect(encodeEscapes('naïve café 日本', d)).toBe('naïve café 日本');
  });

  it('refuses a delimiter it cannot escape when the message declares no escape character', () => {
    expect(() => encodeEscapes('a^b', { ...d, escape: '' })).toThrow(Hl7EncodeError);
    expect(encodeEscapes('plain', { ...d, escape: '' })).toBe('plain');
  });

  it('round-trips any text through encode then decode', () => {
    const samples = ['', 'x', '|^~\\&', '\\F\\', 'a\r\nb', '\\X41\\', 'é\u0001ü', '#', '\\.br\\'];
    for (const delimiters of [d, custom, withTruncation]) {
      for (const sample of samples) expect(decodeEscapes(encodeEscapes(sample, delimiters), delimiters)).toBe(sample);
    }
  });
});
