import { describe, expect, it } from 'vitest';
import { Hl7ErrorCode, Hl7ParseError, parseMessage, type Hl7Location } from './parse.ts';

/** An RDE^O11 written by hand from the v2.5.1 pharmacy chapter; CR-terminated, as the standard writes it. */
const RDE = [
  'MSH|^~\\&|PHARM^1.2.3^ISO|GENHOSP|RXGATE|PHARMACY|20240115083000||RDE^O11^RDE_O11|MSG0001|P|2.5.1|||AL|NE||UNICODE UTF-8',
  'PID|1||12345^^^HOSP^MR~987-65-4321^^^SSA^SS||O\\S\\BRIEN^MARY^""||19700101|F',
  'ORC|NW|ORD1001^EHR||||||||||1234^SMITH^JOHN',
  'RXE|^^^20240115^^R|00069-3150-83^Amoxicillin 500 MG Oral Capsule^NDC|500||mg|CAP|Take 1 capsule\\.br\\three times daily|||30|CAP|2',
  'ZRX|local^value|',
  '',
].join('\r');

function parseError(input: string | Uint8Array): Hl7ParseError {
  try {
    parseMessage(input);
  } catch (error) {
    if (error instanceof Hl7ParseError) return error;
    throw error;
  }
  throw new Error('expected an Hl7ParseError');
}

function expectError(input: string | Uint8Array, code: number, location: Partial<Hl7Location>): Hl7ParseError {
  const error = parseError(input);
  expect(error.code).toBe(code);
  expect(error.location).toMatchObject(location);
  return error;
}

describe('parseMessage: reading values', () => {
  const message = parseMessage(RDE);

  it('reads the header conveniences', () => {
    expect(message.messageCode).toBe('RDE');
    expect(message.triggerEvent).toBe('O11');
    expect(message.messageStructure).toBe('RDE_O11');
    expect(message.controlId).toBe('MSG0001');
    expect(message.processingId).toBe('P');
    expect(message.version).toBe('2.5.1');
    expect(message.sendingApplication).toBe('PHARM^1.2.3^ISO');
    expect(message.sendingFacility).toBe('GENHOSP');
    expect(message.receivingApplication).toBe('RXGATE');
    expect(message.receivingFacility).toBe('PHARMACY');
    expect(message.acceptAckType).toBe('AL');
    expect(message.applicationAckType).toBe('NE');
    expect(message.charset).toBe('UNICODE UTF-8');
  });

  it('numbers MSH fields as the standard does: MSH-1 is the separator, MSH-2 the encoding characters', () => {
    expect(message.msh.get(1)).toBe('|');
    expect(message.msh.get(2)).toBe('^~\\&');
    expect(message.msh.rawField(2)).toBe('^~\\&');
    expect(message.msh.get(3)).toBe('PHARM');
    expect(message.msh.get(3, 2)).toBe('1.2.3');
    expect(message.msh.get(7)).toBe('20240115083000');
    expect(message.msh.fieldCount()).toBe(18);
  });

  it('keeps segments in order with 1-based indexes, Z-segments included', () => {
    expect(message.segments.map((segment) => `${segment.index}:${segment.name}`)).toEqual(['1:MSH', '2:PID', '3:ORC', '4:RXE', '5:ZRX']);
    expect(message.segment('ZRX')?.get(1, 2)).toBe('value');
    expect(message.segment('ZRX')?.fieldCount()).toBe(2);
  });

  it('reads repetitions (0-based), components and subcomponents (1-based)', () => {
    const pid = message.segment('PID')!;
    expect(pid.repetitions(3)).toBe(2);
    expect(pid.get(3)).toBe('12345');
    expect(pid.get(3, 4)).toBe('HOSP');
    expect(pid.get(3, 1, 1, 1)).toBe('987-65-4321');
    expect(pid.get(3, 5, 1, 1)).toBe('SS');
    expect(pid.get(3, 1, 1, 2)).toBe('');
    expect(pid.rawField(3)).toBe('12345^^^HOSP^MR~987-65-4321^^^SSA^SS');
  });

  it('decodes escapes on read', () => {
    expect(message.segment('PID')!.get(5, 1)).toBe("O^BRIEN");
    expect(message.segment('PID')!.rawField(5)).toBe('O\\S\\BRIEN^MARY^""');
    expect(message.segment('RXE')!.get(7)).toBe('Take 1 capsule\nthree times daily');
  });

  it('tells the explicit null "" from an empty value', () => {
    const pid = message.segment('PID')!;
    expect(pid.get(5, 3)).toBe('');
    expect(pid.isNull(5, 3)).toBe(true);
    expect(pid.isNull(5, 2)).toBe(false);
    expect(pid.isNull(5)).toBe(false);
    expect(pid.isNull(4)).toBe(false);
    expect(pid.repetitions(4)).toBe(0);
    const nulls = parseMessage('MSH|^~\\&|A|B|C|D|1||ADT^A08|2|P|2.5\rPID|1||""|\r');
    expect(nulls.segment('PID')!.isNull(3)).toBe(true);
    expect(nulls.segment('PID')!.repetitions(3)).toBe(1);
    expect(nulls.segment('PID')!.isNull(4)).toBe(false);
  });

  it('reads the RXE give code and dispense values', () => {
    const rxe = message.segment('RXE')!;
    expect(rxe.get(1, 4)).toBe('20240115');
    expect(rxe.get(2, 1)).toBe('00069-3150-83');
    expect(rxe.get(2, 3)).toBe('NDC');
    expect(rxe.get(3)).toBe('500');
    expect(rxe.get(5)).toBe('mg');
    expect(rxe.get(10)).toBe('30');
    expect(rxe.get(12)).toBe('2');
  });

  it('answers "" for positions that are not there, never throwing', () => {
    const orc = message.segment('ORC')!;
    expect(orc.get(99)).toBe('');
    expect(orc.get(2, 9)).toBe('');
    expect(orc.get(0)).toBe('');
    expect(orc.get(-1)).toBe('');
    expect(orc.get(2, 0)).toBe('');
    expect(orc.rawField(99)).toBe('');
    expect(message.segment('OBX')).toBeUndefined();
    expect(message.all('OBX')).toEqual([]);
  });

  it('finds the n-th occurrence of a segment (1-based) and refuses 0', () => {
    const twoObx = parseMessage('MSH|^~\\&|A|B|C|D|1||ORU^R01|2|P|2.5\rOBX|1|NM|a\rNTE|1\rOBX|2|NM|b\r');
    expect(twoObx.segment('OBX', 2)?.get(3)).toBe('b');
    expect(twoObx.segment('OBX', 3)).toBeUndefined();
    expect(twoObx.all('OBX').map((segment) => segment.index)).toEqual([2, 4]);
    expect(() => twoObx.segment('OBX', 0)).toThrow(RangeError);
  });
});

describe('parseMessage: encoding characters', () => {
  it('reads a message with its own delimiters (MSH#$*@!)', () => {
    const text = 'MSH#$*@!#APP$X#FAC#RCV#RFAC#20240101##RDS$O13$RDS_O13#C42#T#2.6\rPID#1##A1$$$H$MR*B2$$$H$PI##DOE$JANE@S@ANN$""\rRXD#1#00071-0155-23$Lipitor@T@tabs$NDC#20240102#30#TAB\r';
    const message = parseMessage(text);
    expect(message.delimiters).toEqual({ field: '#', component: '$', repetition: '*', escape: '@', subcomponent: '!' });
    expect(message.msh.get(1)).toBe('#');
    expect(message.msh.get(2)).toBe('$*@!');
    expect(message.messageCode).toBe('RDS');
    expect(message.triggerEvent).toBe('O13');
    expect(message.controlId).toBe('C42');
    expect(message.sendingApplication).toBe('APP$X');
    const pid = message.segment('PID')!;
    expect(pid.repetitions(3)).toBe(2);
    expect(pid.get(3, 1, 1, 1)).toBe('B2');
    expect(pid.get(3, 5, 1, 1)).toBe('PI');
    expect(pid.get(5, 2)).toBe('JANE$ANN');
    expect(pid.isNull(5, 3)).toBe(true);
    const rxd = message.segment('RXD')!;
    expect(rxd.get(2, 2)).toBe('Lipitor!tabs');
    expect(rxd.get(4)).toBe('30');
    expect(message.toString()).toBe(text);
  });

  it('reads the v2.7 truncation character and its \\P\\ escape', () => {
    const message = parseMessage('MSH|^~\\&#|A|B|C|D|1||ADT^A08|9|P|2.7\rPID|1||||SMITH-JONES-WORTHINGTON#^ANN\rNTE|1||Suite \\P\\5\r');
    expect(message.delimiters.truncation).toBe('#');
    expect(message.msh.get(2)).toBe('^~\\&#');
    // A truncation character in data marks a value cut short by the sender; it is returned as sent.
    expect(message.segment('PID')!.get(5)).toBe('SMITH-JONES-WORTHINGTON#');
    expect(message.segment('NTE')!.get(3)).toBe('Suite #5');
  });

  it('copes with MSH-2 missing the escape character (realm-batch "^~&")', () => {
    const message = parseMessage('MSH|^~&|A|B|C|D|1||ORU^R01|7|P|2.5.1\rPID|1||36363636^^^MPI&2.16.840.1&ISO^MR\r');
    expect(message.delimiters.escape).toBe('');
    expect(message.segment('PID')!.get(3, 4, 2)).toBe('2.16.840.1');
  });
});

describe('parseMessage: terminators, BOM and round trip', () => {
  const segments = ['MSH|^~\\&|A|B|C|D|20240101||ADT^A01|T1|P|2.5', 'PID|1||X1^^^H^MR', 'ZZ1|z'];

  it.each([
    ['CR', segments.join('\r') + '\r'],
    ['CR without a final terminator', segments.join('\r')],
    ['LF', segments.join('\n') + '\n'],
    ['CRLF', segments.join('\r\n') + '\r\n'],
    ['mixed', `${segments[0]}\r${segments[1]}\n${segments[2]}\r\n`],
    ['blank lines around', `\r\n${segments.join('\r\r')}\r\n\r\n`],
  ])('%s: same values, toString gives the input back, and re-parsing gives the same values', (_, text) => {
    const message = parseMessage(text);
    expect(message.segments.map((segment) => segment.raw)).toEqual(segments);
    expect(message.segment('PID')!.get(3, 4)).toBe('H');
    expect(message.toString()).toBe(text);
    const again = parseMessage(message.toString());
    expect(again.segments.map((segment) => segment.raw)).toEqual(segments);
  });

  it('drops a leading BOM from text and from bytes', () => {
    const text = segments.join('\r');
    expect(parseMessage('\ufeff' + text).toString()).toBe(text);
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from(text, 'utf8')]);
    const message = parseMessage(bytes);
    expect(message.toString()).toBe(text);
    expect(message.msh.get(3)).toBe('A');
  });

  it('keeps a bare LF inside a CR-terminated segment as data (a wrapped line)', () => {
    const pid = ['PID', '1', ...Array<string>(14).fill(''), 'M^Married^HL70002^^^^2.\n5.1', 'x'].join('|');
    const message = parseMessage(`MSH|^~\\&|A|B|C|D|1||ORU^R01|2|P|2.5\r${pid}\rPV1|1\r`);
    expect(message.segments.map((segment) => segment.name)).toEqual(['MSH', 'PID', 'PV1']);
    expect(message.segment('PID')!.get(16, 7)).toBe('2.\n5.1');
    expect(message.segment('PID')!.get(17)).toBe('x');
  });
});

describe('parseMessage: character sets', () => {
  const header = (msh18: string): string => `MSH|^~\\&|A|B|C|D|20240101||ADT^A08|C1|P|2.5|||||FRA|${msh18}`;

  it('reads ISO-8859-1 bytes (é = 0xE9) when MSH-18 is 8859/1', () => {
    const bytes = new Uint8Array(Buffer.from(`${header('8859/1')}\rPID|1||||REN\xc9^H\xe9l\xe8ne\r`, 'latin1'));
    const message = parseMessage(bytes);
    expect(message.charset).toBe('8859/1');
    expect(message.segment('PID')!.get(5, 1)).toBe('RENÉ');
    expect(message.segment('PID')!.get(5, 2)).toBe('Hélène');
  });

  it('reads UTF-8 bytes when MSH-18 is UNICODE UTF-8', () => {
    const bytes = new Uint8Array(Buffer.from(`${header('UNICODE UTF-8')}\rPID|1||||Müller^Zoë 李\r`, 'utf8'));
    expect(parseMessage(bytes).segment('PID')!.get(5, 2)).toBe('Zoë 李');
  });

  it('reads hex escapes in the message charset', () => {
    const latin = parseMessage(new Uint8Array(Buffer.from(`${header('8859/1')}\rNTE|1||caf\\XE9\\\r`, 'latin1')));
    expect(latin.segment('NTE')!.get(3)).toBe('café');
    const utf8 = parseMessage(`${header('UNICODE UTF-8')}\rNTE|1||caf\\XC3A9\\\r`);
    expect(utf8.segment('NTE')!.get(3)).toBe('café');
  });

  it('without MSH-18 reads UTF-8 when the bytes are UTF-8, Latin-1 otherwise', () => {
    expect(parseMessage(new Uint8Array(Buffer.from(`${header('')}\rPID|1||||Zoë\r`, 'utf8'))).segment('PID')!.get(5)).toBe('Zoë');
    expect(parseMessage(new Uint8Array(Buffer.from(`${header('')}\rPID|1||||Zo\xeb\r`, 'latin1'))).segment('PID')!.get(5)).toBe('Zoë');
  });

  it('refuses an unsupported charset with 103 at MSH-18 and bytes that are not the declared UTF-8 with 102', () => {
    const unsupported = `${header('ISO IR87')}\rPID|1\r`;
    expectError(new Uint8Array(Buffer.from(unsupported, 'latin1')), Hl7ErrorCode.TableValueNotFound, {
      segment: 'MSH',
      field: 18,
      position: unsupported.indexOf('ISO IR87'),
    });
    const bad = Buffer.concat([Buffer.from(`${header('UNICODE UTF-8')}\rPID|1||||Zo`, 'latin1'), Buffer.from([0xeb]), Buffer.from('\r')]);
    expectError(new Uint8Array(bad), Hl7ErrorCode.DataTypeError, { position: bad.indexOf(0xeb) });
  });
});

describe('parseMessage: errors name the code and the place', () => {
  const valid = 'MSH|^~\\&|A|B|C|D|20240101||ADT^A01|C1|P|2.5';

  it('empty input: 100', () => {
    expectError('', Hl7ErrorCode.SegmentSequenceError, { position: 0 });
    expectError('\r\n\r\n', Hl7ErrorCode.SegmentSequenceError, { position: 0 });
  });

  it('not starting with MSH: 100 at segment 1', () => {
    expectError('PID|1\rMSH|^~\\&', Hl7ErrorCode.SegmentSequenceError, { segmentIndex: 1, position: 0 });
  });

  it('MSH-1 or MSH-2 missing: 101; unusable: 102', () => {
    expectError('MSH', Hl7ErrorCode.RequiredFieldMissing, { segment: 'MSH', field: 1, position: 3 });
    expectError('MSH|', Hl7ErrorCode.RequiredFieldMissing, { segment: 'MSH', field: 2, position: 4 });
    expectError('MSHX^~\\&X', Hl7ErrorCode.DataTypeError, { segment: 'MSH', field: 1, position: 3 });
    expectError('MSH|^^\\&|A', Hl7ErrorCode.DataTypeError, { segment: 'MSH', field: 2, position: 4 });
  });

  it('MSH-9 missing: 101 at MSH-9; a malformed message code: 102 at MSH-9.1; trigger: 102 at MSH-9.2', () => {
    const noType = 'MSH|^~\\&|A|B|C|D|20240101|||C1|P|2.5';
    expectError(noType, Hl7ErrorCode.RequiredFieldMissing, { segment: 'MSH', segmentIndex: 1, field: 9, position: noType.indexOf('||C1') + 1 });
    const lower = 'MSH|^~\\&|A|B|C|D|20240101||adt^A01|C1|P|2.5';
    expectError(lower, Hl7ErrorCode.DataTypeError, { field: 9, component: 1, position: lower.indexOf('adt') });
    expectError('MSH|^~\\&|A|B|C|D|20240101||^A01|C1|P|2.5', Hl7ErrorCode.RequiredFieldMissing, { field: 9, component: 1 });
    expectError('MSH|^~\\&|A|B|C|D|20240101||ADT^A 1|C1|P|2.5', Hl7ErrorCode.DataTypeError, { field: 9, component: 2 });
  });

  it('MSH-10 missing: 101 at MSH-10', () => {
    const text = 'MSH|^~\\&|A|B|C|D|20240101||ADT^A01||P|2.5';
    expectError(text, Hl7ErrorCode.RequiredFieldMissing, { field: 10, position: text.indexOf('||P') + 1 });
  });

  it('MSH-12 missing: 101 at MSH-12 (at the end of MSH when the field is not there at all)', () => {
    const text = 'MSH|^~\\&|A|B|C|D|20240101||ADT^A01|C1';
    expectError(text + '\rPID|1', Hl7ErrorCode.RequiredFieldMissing, { field: 12, component: 1, position: text.length });
  });

  it('MSH-12 not an HL7 v2 version: 203', () => {
    const text = 'MSH|^~\\&|A|B|C|D|20240101||ADT^A01|C1|P|3.0';
    expectError(text, Hl7ErrorCode.UnsupportedVersionId, { field: 12, position: text.indexOf('3.0') });
  });

  it('a bad segment name: 100 at that segment, with its position', () => {
    const text = `${valid}\rPID|1\rP1|x\r`;
    expectError(text, Hl7ErrorCode.SegmentSequenceError, { segmentIndex: 3, position: text.indexOf('P1|') });
    expectError(`${valid}\rpid|1\r`, Hl7ErrorCode.SegmentSequenceError, { segmentIndex: 2 });
    expectError(`${valid}\rPIDX|1\r`, Hl7ErrorCode.SegmentSequenceError, { segmentIndex: 2 });
    expectError(`${valid}\r||||\r`, Hl7ErrorCode.SegmentSequenceError, { segmentIndex: 2 });
  });

  it('a second MSH or a batch segment inside one message: 100', () => {
    const two = `${valid}\rPID|1\r${valid}\r`;
    expectError(two, Hl7ErrorCode.SegmentSequenceError, { segment: 'MSH', segmentIndex: 3, occurrence: 2, position: two.lastIndexOf('MSH') });
    expectError(`${valid}\rBTS|1\r`, Hl7ErrorCode.SegmentSequenceError, { segment: 'BTS', segmentIndex: 2 });
    expectError(`FHS|^~\\&\r${valid}\r`, Hl7ErrorCode.SegmentSequenceError, { segmentIndex: 1 });
  });

  it('puts the location in the message and never quotes field values', () => {
    const error = parseError('MSH|^~\\&|SECRET-NAME|B|C|D|20240101||ADT^A01||P|2.5');
    expect(error.message).toContain('MSH-10');
    expect(error.message).toMatch(/position \d+/);
    expect(error.message).not.toContain('SECRET');
  });
});
