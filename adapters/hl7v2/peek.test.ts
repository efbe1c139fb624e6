import { describe, expect, it } from 'vitest';
import { peekHeader } from './peek.ts';

describe('peekHeader', () => {
  it('recovers the header of a message that fails full parsing', () => {
    const header = peekHeader('MSH|^~\\&|LAB^1.2^ISO|HOSP|RX|PH|20240101||ORU^R01^ORU_R01|C77|T|2.5.1|||AL|NE||8859/1\rP1D|broken\r');
    expect(header).toMatchObject({
      segment: 'MSH',
      delimiters: { field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&' },
      sendingApplication: 'LAB^1.2^ISO',
      sendingFacility: 'HOSP',
      receivingApplication: 'RX',
      receivingFacility: 'PH',
      controlId: 'C77',
      messageCode: 'ORU',
      triggerEvent: 'R01',
      processingId: 'T',
      version: '2.5.1',
      acceptAckType: 'AL',
      applicationAckType: 'NE',
      charset: '8859/1',
    });
    expect(header.fields[10]).toBe('C77');
  });

  it('reads custom delimiters', () => {
    const header = peekHeader('MSH#$*@!#APP$X#FAC#R#RF#1##ADT$A01#ID9#P#2.3');
    expect(header.delimiters?.component).toBe('$');
    expect(header.triggerEvent).toBe('A01');
    expect(header.controlId).toBe('ID9');
  });

  it('finds MSH after a BOM, an MLLP start byte, blank lines or a batch header', () => {
    expect(peekHeader('\ufeffMSH|^~\\&|A|||||||X1').controlId).toBe('X1');
    expect(peekHeader('\x0bMSH|^~\\&|A|||||||X2').controlId).toBe('X2');
    expect(peekHeader('\r\n\r\nMSH|^~\\&|A|||||||X3').controlId).toBe('X3');
    expect(peekHeader('FHS|^~\\&|A\rBHS|^~\\&\rMSH|^~\\&|A|||||||X4').controlId).toBe('X4');
    expect(peekHeader(new Uint8Array(Buffer.from('MSH|^~\\&|A|||||||X5'))).controlId).toBe('X5');
  });

  it('falls back to FHS/BHS fields 3–6 and 11 when there is no MSH', () => {
    const header = peekHeader('FHS|^~\\&|LAB|H|RX|P|20240101||||F1\rFTS|0');
    expect(header).toMatchObject({ segment: 'FHS', sendingApplication: 'LAB', receivingFacility: 'P', controlId: 'F1', version: '' });
  });

  it('reports unusable delimiters and no header without throwing', () => {
    expect(peekHeader('MSH|^^^^|A|B|C|D|1||ADT^A01|X|P|2.5')).toMatchObject({ segment: 'MSH', delimiters: undefined, controlId: 'X' });
    expect(peekHeader('MSHAxyz')).toMatchObject({ segment: 'MSH', delimiters: undefined, controlId: '' });
    expect(peekHeader('hello')).toMatchObject({ segment: undefined, controlId: '', fields: [] });
    expect(peekHeader('')).toMatchObject({ segment: undefined });
    // Bytes that are not the declared UTF-8 still give their header.
    const bytes = Buffer.concat([Buffer.from('MSH|^~\\&|A|B|C|D|1||ADT^A01|U1|P|2.5||||||UNICODE UTF-8\rPID|1||\xff', 'latin1')]);
    expect(peekHeader(new Uint8Array(bytes)).controlId).toBe('U1');
  });
});
