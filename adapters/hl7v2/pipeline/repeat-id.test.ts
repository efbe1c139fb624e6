import { describe, expect, it } from 'vitest';
import { repeatMsgId } from './repeat-id.ts';

describe('repeatMsgId', () => {
  it('is one id per sender, MSH-10 and event number', () => {
    expect(repeatMsgId('PHARM^HOSP1', 'RDS-1', 1)).toBe(repeatMsgId('PHARM^HOSP1', 'RDS-1', 1));
    expect(repeatMsgId('PHARM^HOSP1', 'RDS-1', 1)).toMatch(/^hl7r-[0-9a-f]{64}$/);
    const others = [repeatMsgId('PHARM^HOSP1', 'RDS-1', 2), repeatMsgId('PHARM^HOSP2', 'RDS-1', 1), repeatMsgId('PHARM^HOSP1', 'RDS-2', 1)];
    expect(new Set([repeatMsgId('PHARM^HOSP1', 'RDS-1', 1), ...others]).size).toBe(4);
  });

  it('keeps the parts apart: a separator moved between sender and MSH-10 gives another id', () => {
    expect(repeatMsgId('A|1', '2', 1)).not.toBe(repeatMsgId('A', '1|2', 1));
  });
});
