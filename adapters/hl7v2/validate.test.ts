import { describe, expect, it } from 'vitest';
import { Hl7ErrorCode, Hl7ValidationError } from './errors.ts';
import { parseMessage } from './parse.ts';
import { findMissingValues } from './validate.ts';

const header = 'MSH|^~\\&|LAB|H|RX|P|20240101||ORU^R01|C1|P|2.5.1';

describe('findMissingValues', () => {
  it('accepts OBX segments whose OBX-3.1 is there, also when only a subcomponent of it is', () => {
    const message = parseMessage(`${header}\rOBX|1|NM|2345-7^GLUCOSE^LN||98\rOBX|2|ST|&GDT^Critical Values\r`);
    expect(findMissingValues(message)).toEqual([]);
  });

  it('reports each OBX without OBX-3.1 as 101 at OBX-3.1, with its occurrence and position', () => {
    const text = `${header}\rOBX|1|NM|2345-7^GLUCOSE^LN||98\rNTE|1\rOBX|2|NM|^Lead^LN||50\rOBX|3|ED|||x\r`;
    const problems = findMissingValues(parseMessage(text));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toBeInstanceOf(Hl7ValidationError);
    expect(problems[0]!.code).toBe(Hl7ErrorCode.RequiredFieldMissing);
    expect(problems[0]!.location).toEqual({
      segment: 'OBX',
      segmentIndex: 4,
      occurrence: 2,
      field: 3,
      component: 1,
      position: text.indexOf('^Lead'),
    });
    expect(problems[1]!.location).toMatchObject({ segmentIndex: 5, occurrence: 3, position: text.indexOf('||x') });
  });

  it('treats the explicit null "" as missing and takes rules from the caller', () => {
    const message = parseMessage(`${header}\rOBX|1|NM|""||98\rRXD|1|\r`);
    expect(findMissingValues(message)).toHaveLength(1);
    const rules = [{ segment: 'RXD', field: 2, component: 1, what: 'RXD-2.1 dispense/give code' }];
    expect(findMissingValues(message, rules).map((problem) => problem.detail)).toEqual(['RXD-2.1 dispense/give code is missing']);
  });
});
