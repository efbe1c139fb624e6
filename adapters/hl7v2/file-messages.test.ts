import { describe, expect, it } from 'vitest';
import { messagesInFile } from './file-messages.ts';

const latin1 = (text: string) => Uint8Array.from(Buffer.from(text, 'latin1'));
const asText = (messages: Uint8Array[]) => messages.map((m) => Buffer.from(m).toString('latin1'));

describe('messagesInFile', () => {
  it('splits an export of several messages at each MSH, with CR line ends and blank lines dropped', () => {
    const file = latin1('MSH|^~\\&|A|B|C|D|20261121||ADT^A08|M1|P|2.5\nPID|1||X1\n\nMSH|^~\\&|A|B|C|D|20261121||ADT^A08|M2|P|2.5\r\nPID|1||X2\r\n\r\n');
    expect(asText(messagesInFile(file))).toEqual([
      'MSH|^~\\&|A|B|C|D|20261121||ADT^A08|M1|P|2.5\rPID|1||X1\r',
      'MSH|^~\\&|A|B|C|D|20261121||ADT^A08|M2|P|2.5\rPID|1||X2\r',
    ]);
  });

  it('passes the bytes of another character set through unchanged', () => {
    // "Müller" in ISO 8859-1: ü is the single byte 0xFC, which a UTF-8 reading would turn into U+FFFD
    const file = latin1('MSH|^~\\&|A|B|C|D|20261121||ADT^A08|M1|P|2.5|||||||8859/1\nPID|1||X1||M\xfcller\n');
    const [message] = messagesInFile(file);
    expect(message).toContain(0xfc);
    expect(Buffer.from(message!).toString('latin1')).toBe('MSH|^~\\&|A|B|C|D|20261121||ADT^A08|M1|P|2.5|||||||8859/1\rPID|1||X1||M\xfcller\r');
  });

  it('keeps a batch file whole, and a leading byte order mark on its first line', () => {
    const batch = latin1('\xef\xbb\xbfFHS|^~\\&\nBHS|^~\\&\nMSH|^~\\&|A|B|C|D|20261121||ADT^A08|M1|P|2.5\nMSH|^~\\&|A|B|C|D|20261121||ADT^A08|M2|P|2.5\nBTS|2\nFTS|1\n');
    const messages = messagesInFile(batch);
    expect(messages).toHaveLength(1);
    expect(asText(messages)[0]).toBe('\xef\xbb\xbfFHS|^~\\&\rBHS|^~\\&\rMSH|^~\\&|A|B|C|D|20261121||ADT^A08|M1|P|2.5\rMSH|^~\\&|A|B|C|D|20261121||ADT^A08|M2|P|2.5\rBTS|2\rFTS|1\r');
    expect(asText(messagesInFile(latin1('\xef\xbb\xbfMSH|^~\\&|A\rPID|1\rMSH|^~\\&|B\r')))).toEqual(['\xef\xbb\xbfMSH|^~\\&|A\rPID|1\r', 'MSH|^~\\&|B\r']);
  });

  it('gives nothing for an empty file; lines before the first MSH are a message of their own (for the parser to refuse)', () => {
    expect(messagesInFile(new Uint8Array())).toEqual([]);
    expect(messagesInFile(latin1('\n\r\n'))).toEqual([]);
    expect(asText(messagesInFile(latin1('PID|1\nMSH|^~\\&|A\n')))).toEqual(['PID|1\r', 'MSH|^~\\&|A\r']);
  });
});
