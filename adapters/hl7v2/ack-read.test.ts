import { describe, expect, it } from 'vitest';
import { readAck } from './ack-read.ts';

describe('readAck', () => {
  const bytes = (lines: string[]) => new TextEncoder().encode(lines.join('\r'));
  it('reads MSA-1, MSA-2 and ERR codes with locations, never the free text', () => {
    const ack = readAck(
      bytes([
        'MSH|^~\\&|EPIC|HOSP1|RXGATE|HOSP1|20260101000000||ACK^O13^ACK|A1|P|2.5',
        'MSA|AE|RX123|Patient ZZTEST not found',
        'ERR||PID^1^3^1|204^Unknown key identifier^HL70357|E||||ZZTEST unknown',
      ]),
    );
    expect(ack).toEqual({ code: 'AE', controlId: 'RX123', errors: ['code 204 at PID-3'], detail: ' (code 204 at PID-3)' });
    expect(readAck(bytes(['MSH|^~\\&|A|B|C|D|20260101||ACK|A2|P|2.3', 'MSA|AR|RX9', 'ERR|PID^1^3^204&Unknown key&HL70357']))).toEqual({
      code: 'AR',
      controlId: 'RX9',
      errors: ['code 204 at PID-3'],
      detail: ' (code 204 at PID-3)',
    });
    expect(readAck(bytes(['MSH|^~\\&|A|B|C|D|20260101||ACK|A3|P|2.5', 'MSA|AA|RX1']))).toEqual({ code: 'AA', controlId: 'RX1', errors: [], detail: '' });
    expect(readAck(bytes(['MSH|^~\\&|A|B|C|D|20260101||ACK|A3|P|2.5']))).toBeUndefined();
    expect(readAck(bytes(['garbage']))).toBeUndefined();
  });
});
