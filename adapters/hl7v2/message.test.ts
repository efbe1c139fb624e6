import { describe, expect, it } from 'vitest';
import { Hl7EncodeError } from './errors.ts';
import { createMessage, editMessage } from './message.ts';
import { parseMessage } from './parse.ts';

const custom = { field: '#', component: '$', repetition: '*', escape: '@', subcomponent: '!' };

describe('createMessage', () => {
  it('writes MSH-1 and MSH-2 from the delimiters and the given fields after them, each segment ending in CR', () => {
    const message = createMessage({
      msh: { 3: 'RXGATE', 4: 'PHARMACY', 7: '20240115083000', 9: ['RDS', 'O13', 'RDS_O13'], 10: 'OUT1', 11: 'P', 12: '2.5.1' },
    });
    message.append('PID', { 3: { repetitions: [['MRN1', undefined, undefined, 'HOSP', 'MR']] }, 5: ['DOE', 'JANE'] });
    expect(message.toString()).toBe(
      'MSH|^~\\&|RXGATE|PHARMACY|||20240115083000||RDS^O13^RDS_O13|OUT1|P|2.5.1\rPID|||MRN1^^^HOSP^MR||DOE^JANE\r',
    );
    expect(message.messageCode).toBe('RDS');
    expect(message.segment('PID')!.get(3, 4)).toBe('HOSP');
  });

  it('escapes every leaf on write, so data never splits a field', () => {
    const message = createMessage({ msh: { 9: ['RDS', 'O13'], 10: 'X', 12: '2.5' } });
    message.append('RXD', ['1', ['00071-0155-23', 'Tylenol|Extra^Strength & more~x\\y', 'NDC'], '20240102']);
    const raw = message.segment('RXD')!.raw;
    expect(raw).toBe('RXD|1|00071-0155-23^Tylenol\\F\\Extra\\S\\Strength \\T\\ more\\R\\x\\E\\y^NDC|20240102');
    expect(parseMessage(message.toString()).segment('RXD')!.get(2, 2)).toBe('Tylenol|Extra^Strength & more~x\\y');
  });

  it('writes null as the explicit null "" and leaves undefined empty', () => {
    const message = createMessage({ msh: { 9: 'ADT', 10: 'X', 12: '2.5' } });
    message.append('PID', { 3: null, 5: [undefined, 'ANN', null] });
    expect(message.segment('PID')!.raw).toBe('PID|||""||^ANN^""');
    expect(message.segment('PID')!.isNull(3)).toBe(true);
  });

  it('writes subcomponents and repetitions, and raw text untouched', () => {
    const message = createMessage({ msh: { 9: 'ADT', 10: 'X', 12: '2.5' } });
    message.append('PID', { 3: { repetitions: [['A1', '', '', ['MPI', '2.16.1', 'ISO']], 'B2'] }, 4: { raw: 'x^y' } });
    expect(message.segment('PID')!.raw).toBe('PID|||A1^^^MPI&2.16.1&ISO~B2|x^y');
  });

  it('uses the given delimiters throughout', () => {
    const message = createMessage({ delimiters: custom, msh: { 9: ['ACK', 'A01'], 10: 'X', 12: '2.5' } });
    message.append('NTE', ['1', '', 'a#b$c']);
    expect(message.toString()).toBe('MSH#$*@!#######ACK$A01#X##2.5\rNTE#1##a@F@b@S@c\r');
  });

  it('refuses to write MSH-1/MSH-2 or envelope and malformed segment names', () => {
    expect(() => createMessage({ msh: { 2: 'x' } })).toThrow(Hl7EncodeError);
    const message = createMessage({ msh: { 9: 'ADT', 10: 'X', 12: '2.5' } });
    expect(() => message.append('pid')).toThrow(Hl7EncodeError);
    expect(() => message.append('MSH')).toThrow(Hl7EncodeError);
    expect(() => message.append('BTS')).toThrow(Hl7EncodeError);
    expect(() => message.msh.set(1, '#')).toThrow(Hl7EncodeError);
    expect(() => message.msh.set(2, '$')).toThrow(Hl7EncodeError);
  });
});

describe('editing', () => {
  const text = 'MSH|^~\\&|A|B|C|D|20240101||RDE^O11|C1|P|2.5\rPID|1||M1^^^H^MR\rRXE|1|CODE^Name^NDC\r';

  it('edits a copy and leaves the parsed message as it was', () => {
    const original = parseMessage(text);
    const copy = editMessage(original);
    copy.segment('PID')!.set(5, 'SMITH', 1).set(5, "O'HARA^JR", 2);
    expect(copy.segment('PID')!.raw).toBe("PID|1||M1^^^H^MR||SMITH^O'HARA\\S\\JR");
    expect(copy.segment('PID')!.get(5, 2)).toBe("O'HARA^JR");
    expect(original.toString()).toBe(text);
    expect(original.segment('PID')!.rawField(5)).toBe('');
  });

  it('sets a leaf inside a repetition, component and subcomponent, padding as needed', () => {
    const copy = editMessage(parseMessage(text));
    const pid = copy.segment('PID')!;
    pid.set(3, 'SS1', 1, 1, 1).set(3, 'SS', 5, 1, 1).set(3, 'OID', 4, 2, 0);
    expect(pid.rawField(3)).toBe('M1^^^H&OID^MR~SS1^^^^SS');
    expect(pid.repetitions(3)).toBe(2);
    pid.set(8, null);
    expect(pid.isNull(8)).toBe(true);
  });

  it('replaces a whole field from structured input', () => {
    const copy = editMessage(parseMessage(text));
    copy.segment('RXE')!.setField(2, ['00069-3150-83', 'Amoxicillin 500 MG', 'NDC']);
    expect(copy.segment('RXE')!.raw).toBe('RXE|1|00069-3150-83^Amoxicillin 500 MG^NDC');
  });

  it('serialises an edited message with CR after every segment', () => {
    const copy = editMessage(parseMessage(text.replaceAll('\r', '\n')));
    copy.segment('RXE')!.set(3, '500');
    expect(copy.toString()).toBe('MSH|^~\\&|A|B|C|D|20240101||RDE^O11|C1|P|2.5\rPID|1||M1^^^H^MR\rRXE|1|CODE^Name^NDC|500\r');
  });

  it('an unmodified copy rebuilds the same CR-terminated text (the serialiser path is lossless)', () => {
    expect(editMessage(parseMessage(text)).toString()).toBe(text);
  });

  it('inserts and removes segments, renumbering them', () => {
    const copy = editMessage(parseMessage(text));
    const nte = copy.insert(3, 'NTE', ['1', '', 'note']);
    expect(copy.segments.map((segment) => `${segment.index}:${segment.name}`)).toEqual(['1:MSH', '2:PID', '3:NTE', '4:RXE']);
    copy.remove(copy.segment('PID')!);
    expect(copy.segments.map((segment) => `${segment.index}:${segment.name}`)).toEqual(['1:MSH', '2:NTE', '3:RXE']);
    expect(nte.index).toBe(2);
    expect(() => copy.remove(copy.msh)).toThrow(RangeError);
    expect(() => copy.insert(1, 'ZZZ')).toThrow(RangeError);
  });

  it('refuses what the message’s delimiters cannot express', () => {
    // ruby-hl7's adt_a01.hl7 declares "^\\&": no repetition separator
    const noRepetition = editMessage(parseMessage('MSH|^\\&|A|B|C|D|1||ADT^A01|1|P|2.3\rPID|1\r'));
    expect(() => noRepetition.segment('PID')!.set(3, 'x', 1, 1, 0)).not.toThrow();
    expect(() => noRepetition.segment('PID')!.set(3, 'x', 1, 1, 1)).toThrow(Hl7EncodeError);
    // realm-batch's second message declares "^~&": no escape character, so a literal ^ cannot be written
    const noEscape = editMessage(parseMessage('MSH|^~&|A|B|C|D|1||ADT^A01|1|P|2.5\rPID|1\r'));
    expect(() => noEscape.segment('PID')!.set(3, 'a^b')).toThrow(Hl7EncodeError);
    expect(noEscape.segment('PID')!.set(3, 'C:\\dir').get(3)).toBe('C:\\dir');
  });
});
