import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildAck, buildRejectForUnparseable } from './ack.ts';
import { Hl7ErrorCode, Hl7ParseError } from './errors.ts';
import { editMessage, type Hl7Message } from './message.ts';
import { parseBatch, parseMessage, peekHeader } from './parse.ts';
import { BATCH_FILES, CORPUS_DIR, corpusFiles, readCorpusBytes, readCorpusText } from './testing/corpus.ts';
import { leavesOf } from './testing/leaves.ts';
import { findMissingValues } from './validate.ts';

/**
 * The public corpus (conformance/hl7v2): every file parses, or fails with the error its defect calls for;
 * every parsed message serialises back to its text; a handful of values are checked against expectations
 * read off the files by hand.
 */

/** Files that do not parse, and why (read off the files). */
const KNOWN_BAD: Readonly<Record<string, { code: number; location: Record<string, unknown>; why: string }>> = {
  'rubyhl7__empty_segments.hl7': {
    code: Hl7ErrorCode.RequiredFieldMissing,
    location: { segment: 'MSH', segmentIndex: 1, field: 12 },
    why: 'MSH ends at MSH-10: no processing id, no version. (It also holds nameless segments "||||", "|", "||".)',
  },
  'rubyhl7__empty-batch.hl7': {
    code: Hl7ErrorCode.SegmentSequenceError,
    location: { segment: 'BTS', segmentIndex: 3, field: 1 },
    why: 'BTS-1 declares 2 messages but the batch holds none.',
  },
};

function parseFile(name: string): Hl7Message[] {
  const bytes = readCorpusBytes(name);
  return BATCH_FILES.has(name) ? [...parseBatch(bytes).messages] : [parseMessage(bytes)];
}

const files = corpusFiles();
const goodFiles = files.filter((name) => KNOWN_BAD[name] === undefined);

describe('conformance corpus', () => {
  it('holds all 57 files, each listed in SOURCES.md', () => {
    expect(files).toHaveLength(57);
    const sources = readFileSync(join(CORPUS_DIR, 'SOURCES.md'), 'utf8');
    for (const name of files) expect(sources).toContain(`| ${name} |`);
  });

  it.each(goodFiles)('%s parses, and toString gives back its text', (name) => {
    const text = readCorpusText(name);
    if (BATCH_FILES.has(name)) {
      const batch = parseBatch(readCorpusBytes(name));
      expect(batch.toString()).toBe(text);
      return;
    }
    const message = parseMessage(readCorpusBytes(name));
    expect(message.toString()).toBe(text);
    expect(parseMessage(text).toString()).toBe(text);
  });

  it.each(goodFiles)('%s rebuilt by the serialiser reads back identically', (name) => {
    for (const message of parseFile(name)) {
      const rebuilt = editMessage(message).toString();
      const source = message.toString();
      if (!source.includes('\n')) {
        // CR-terminated input: the rebuilt text is the same bytes (plus a final CR where the file had none).
        expect(rebuilt).toBe(source.endsWith('\r') ? source : `${source}\r`);
      }
      const again = parseMessage(rebuilt);
      expect(again.segments.map((segment) => segment.raw)).toEqual(message.segments.map((segment) => segment.raw));
      expect(leavesOf(again)).toEqual(leavesOf(message));
    }
  });

  it.each(Object.entries(KNOWN_BAD))('%s fails with the error its defect calls for', (name, expected) => {
    let caught: unknown;
    try {
      parseFile(name);
    } catch (error) {
      caught = error;
    }
    expect(caught, expected.why).toBeInstanceOf(Hl7ParseError);
    expect((caught as Hl7ParseError).code).toBe(expected.code);
    expect((caught as Hl7ParseError).location).toMatchObject(expected.location);
    // …and still gets a reject that mirrors its sender.
    const reject = buildRejectForUnparseable(readCorpusBytes(name), caught, { controlId: 'R1', timestamp: '20240101' });
    expect(reject.segment('MSA')!.get(1)).toMatch(/^(AR|CR)$/);
    expect(reject.segment('ERR')).toBeDefined();
  });

  it.each(goodFiles)('%s gets an ACK quoting its MSH-10', (name) => {
    for (const message of parseFile(name)) {
      const ack = parseMessage(buildAck(message, { code: 'AA', controlId: 'A1', timestamp: '20240101' }).toString());
      expect(ack.segment('MSA')!.rawField(2)).toBe(message.msh.rawField(10));
      expect(ack.sendingApplication).toBe(message.receivingApplication);
      expect(ack.receivingFacility).toBe(message.sendingFacility);
      expect(ack.version).toBe(message.version);
      expect(peekHeader(readCorpusBytes(name)).controlId).toBe((BATCH_FILES.has(name) ? parseFile(name)[0]! : message).msh.rawField(10));
    }
  });
});

describe('conformance corpus: values read by hand', () => {
  it('msfhirconv__RDE-O11-01: RDE^O11 v2.8, LF-terminated', () => {
    const message = parseMessage(readCorpusBytes('msfhirconv__RDE-O11-01.hl7'));
    expect([message.messageCode, message.triggerEvent, message.messageStructure]).toEqual(['RDE', 'O11', 'RDE_O11']);
    expect(message.controlId).toBe('MSG00001');
    expect(message.version).toBe('2.8');
    expect(message.sendingFacility).toBe('GHHSFacility^2.16.840.1.122848.1.30^ISO');
    expect(message.msh.get(8)).toBe('SECURITY');
    const pid = message.segment('PID')!;
    expect(pid.repetitions(3)).toBe(2);
    expect(pid.get(3, 1)).toBe('PATID1234');
    expect(pid.get(3, 4, 2)).toBe('2.16.1');
    expect(pid.get(3, 1, 1, 1)).toBe('123456789');
    expect(pid.get(3, 5, 1, 1)).toBe('SS');
    expect(pid.get(5, 1, 5)).toBe('Aniston');
    expect(pid.get(5, 1, 1, 1)).toBe('Josh');
    const rxe = message.segment('RXE')!;
    expect(rxe.get(2, 1)).toBe('0143963401');
    expect(rxe.get(2, 3)).toBe('NDC');
    expect(rxe.get(2, 9)).toBe('niCARdipine (CARDENE) in NaCl IV infusion 40 mg/200 mL (0.2 mg/mL)');
    expect(rxe.get(3)).toBe('5');
    expect(rxe.get(5, 2)).toBe('mg/hr');
    expect(rxe.get(7, 1, 1, 0)).toBe('Titrate to BP less than 180');
    expect(message.all('RXR').map((rxr) => rxr.get(1, 2))).toEqual(['IV Infusion', 'Intravenous']);
    expect(message.segment('RXO')!.get(1, 1)).toBe('00047040230');
  });

  it('msfhirconv__RDS-O13-01: RXD dispense fields', () => {
    const rxd = parseMessage(readCorpusBytes('msfhirconv__RDS-O13-01.hl7')).segment('RXD')!;
    expect(rxd.get(1)).toBe('1');
    expect(rxd.get(2, 1)).toBe('01151327');
    expect(rxd.get(2, 3)).toBe('NDC');
    expect(rxd.get(3)).toBe('20201212');
    expect(rxd.get(4)).toBe('10');
    expect(rxd.get(5, 1)).toBe('385055001');
    expect(rxd.get(7)).toBe('PN12345');
    expect(rxd.get(9)).toBe('After Food');
    expect(rxd.get(10, 1)).toBe('9941339108');
    expect(rxd.get(10, 2, 2)).toBe('Mr.');
  });

  it('lfh__RDE_O25_minimum: CR-terminated, no final terminator, subcomponents in RXE-1', () => {
    const message = parseMessage(readCorpusBytes('lfh__RDE_O25_minimum.hl7'));
    expect(message.sendingApplication).toBe('');
    expect(message.messageStructure).toBe('');
    expect(message.controlId).toBe('MSGID_bae9ce6a-e35d-4ff5-8d50-c5dde19cc1aa');
    const rxe = message.segment('RXE')!;
    expect(rxe.get(1, 2, 1)).toBe('Q24H');
    expect(rxe.get(1, 2, 2)).toBe('0600');
    expect(rxe.get(1, 6)).toBe('ROU');
    expect(rxe.get(2, 1)).toBe('DEFAULTMED');
    expect(rxe.get(3)).toBe('2');
    expect(message.segment('RXR')!.get(1)).toBe('IM');
    expect(message.segments.at(-1)!.name).toBe('RXR');
  });

  it('msfhirconv__VXU: RXA NDC, lot, expiry and manufacturer (UTF-8 BOM)', () => {
    const message = parseMessage(readCorpusBytes('msfhirconv__VXU.hl7'));
    expect(message.all('RXA')).toHaveLength(3);
    const rxa = message.segment('RXA')!;
    expect(rxa.get(5, 1)).toBe('49281-0215-88');
    expect(rxa.get(15)).toBe('315841');
    expect(rxa.get(16)).toBe('20151216');
    expect(rxa.get(17, 2)).toBe('Sanofi Pasteur');
    expect(message.segment('RXA', 2)!.get(5, 3)).toBe('CVX');
    expect(message.acceptAckType).toBe('ER');
    expect(message.applicationAckType).toBe('AL');
  });

  it('hl7v2tofhir MDM^T02: CRLF terminators, \\.br\\ in formatted text', () => {
    const message = parseMessage(readCorpusBytes('hl7v2tofhir__Message.hl7_MDM_T02.txt'));
    const obx2 = message.segment('OBX', 2)!;
    expect(obx2.get(5)).toMatch(/^Critical Values Entered On: {2}08\/22\/2023 2:11 EDT \n Performed On:/);
    expect(obx2.rawField(5)).toContain('\\.br\\');
    expect(message.segment('OBX', 3)!.get(3, 1, 2)).toBe('GDT');
  });

  it('rubyhl7__realm_realm-batch: two messages, the second with MSH-2 "^~&" (no escape character)', () => {
    const batch = parseBatch(readCorpusBytes('rubyhl7__realm_realm-batch.hl7'));
    expect(batch.fileHeader?.get(3)).toBe('');
    expect(batch.fileHeader?.get(4, 1)).toBe('Lab1');
    expect(batch.batches[0]!.trailer?.get(1)).toBe('2');
    expect(batch.fileTrailer?.get(1)).toBe('1');
    const [first, second] = batch.messages;
    expect(first!.delimiters.escape).toBe('\\');
    expect(second!.delimiters).toEqual({ field: '|', component: '^', repetition: '~', escape: '', subcomponent: '&' });
    expect(second!.sendingFacility).toBe('^1234^CLIA');
    expect(second!.segment('PID')!.get(3, 4, 2)).toBe('2.16.840.1.113883.19.3.2.1');
    expect(second!.segment('PID')!.get(3, 4, 2, 1)).toBe('2.16.840.1.113883.4.1');
    expect(first!.segment('OBX')!.get(3, 1)).toBe('625-4');
    expect(second!.processingId).toBe('P');
    expect(second!.msh.get(11, 2)).toBe('T');
  });

  it('rubyhl7__realm_realm-bad-batch: the envelope is sound; both OBX-3.1 identifiers are blank (101 on validation)', () => {
    const batch = parseBatch(readCorpusBytes('rubyhl7__realm_realm-bad-batch.hl7'));
    expect(batch.messages).toHaveLength(2);
    const problems = batch.messages.map((message) => findMissingValues(message));
    expect(problems.map((list) => list.length)).toEqual([1, 1]);
    expect(problems[0]![0]!.code).toBe(Hl7ErrorCode.RequiredFieldMissing);
    expect(problems[0]![0]!.location).toMatchObject({ segment: 'OBX', segmentIndex: 8, occurrence: 1, field: 3, component: 1 });
    expect(problems[1]![0]!.location).toMatchObject({ segment: 'OBX', segmentIndex: 6, occurrence: 1, field: 3, component: 1 });
    const ack = buildAck(batch.messages[0]!, { code: 'AE', controlId: 'A', timestamp: '20240101', issues: problems[0]!.map((p) => ({ code: p.code, location: p.location })) });
    expect(ack.segment('ERR')!.rawField(2)).toBe('OBX^1^3^^1');
    // The same messages with their identifiers (realm-batch) pass.
    for (const message of parseBatch(readCorpusBytes('rubyhl7__realm_realm-batch.hl7')).messages) expect(findMissingValues(message)).toEqual([]);
  });

  it('rubyhl7__realm_realm-lead-laboratory-result: a line wrap (bare LF) inside PID-16 stays data', () => {
    const message = parseMessage(readCorpusBytes('rubyhl7__realm_realm-lead-laboratory-result.hl7'));
    // The file also lacks the CR between PV2 and ORC ("…|19990603ORC|RE|…"), so ORC's text is part of PV2:
    // nothing in the bytes says otherwise.
    expect(message.segments.map((segment) => segment.name)).toEqual(['MSH', 'SFT', 'PID', 'NK1', 'PV1', 'PV2', 'OBR', 'SPM', 'OBX']);
    expect(message.segment('PV2')!.rawField(30)).toBe('19990603ORC');
    expect(message.segment('PID')!.get(16, 7)).toBe('2.\n5.1');
    expect(message.segment('PID')!.get(22, 1)).toBe('N');
  });

  it('rubyhl7__adt_a01: MSH-2 "^\\&" (no repetition separator), v2.3, trailing CR VT CR', () => {
    const message = parseMessage(readCorpusBytes('rubyhl7__adt_a01.hl7'));
    expect(message.delimiters.repetition).toBe('');
    expect(message.sendingApplication).toBe('DPS^DPS^GUID');
    expect(message.segment('PID')!.get(5, 2)).toBe('Doe');
    expect(message.segment('PID')!.get(11, 3)).toBe('ISHPEMING');
    expect(message.acceptAckType).toBe('AL');
  });

  it('rubyhl7__lotsunknowns: unknown and Z segments are kept in order', () => {
    const message = parseMessage(readCorpusBytes('rubyhl7__lotsunknowns.hl7'));
    const names = message.segments.map((segment) => segment.name);
    expect(names[0]).toBe('MSH');
    expect(names.filter((name) => name === 'WTF').length).toBeGreaterThan(0);
    expect(message.segments).toHaveLength(readCorpusText('rubyhl7__lotsunknowns.hl7').split(/\r\n|\r|\n/).filter((line) => /^[A-Z0-9]{3}/.test(line)).length);
  });

  it('rubyhl7__obxobr: v2.2 ORU without a trigger event', () => {
    const message = parseMessage(readCorpusBytes('rubyhl7__obxobr.hl7'));
    expect(message.messageCode).toBe('ORU');
    expect(message.triggerEvent).toBe('');
    expect(buildAck(message, { code: 'AA', controlId: 'A', timestamp: '1' }).msh.rawField(9)).toBe('ACK');
  });
});
