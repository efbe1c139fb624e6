import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listQuarantine } from '../../gateway/bus/quarantine.ts';
import { loadConfig } from '../../gateway/config.ts';
import { createLogger } from '../../gateway/log.ts';
import type { RunningGateway } from '../../gateway/main.ts';
import { listLedger } from '../../gateway/store/ledger.ts';
import { startTestGateway } from '../../gateway/test-support.ts';
import { frame } from './mllp/framing.ts';
import { connectNodeHl7Client } from './mllp/testkit/node-hl7-client-sender.ts';
import { openRawSocket } from './mllp/testkit/raw-socket.ts';
import { CLIENT_CN, makeTestCertificates } from './mllp/testkit/certs.ts';
import { startHl7Adapter } from './module.ts';
import { mllpSend } from '../../gateway/cli/mllp-send.ts';
import { main as cli } from '../../gateway/cli/main.ts';
import { connect as tlsConnect } from 'node:tls';
import { parseBatch, parseMessage } from './parse.ts';
import { corpusFiles, readCorpusBytes, readCorpusText } from './testing/corpus.ts';
import { MUTATION_NAMES, MUTATIONS } from './testing/mutations.ts';
import { createPrng } from './testing/prng.ts';
import { handWrittenRds, RDS_PATIENT } from './testing/rds-message.ts';

/**
 * The HL7 v2 adapter end to end: real MLLP listener, real NATS JetStream, real PostgreSQL, the real mapping engine.
 * Senders are node-hl7-client (a third-party MLLP client) and a raw socket for what no library sends.
 */

const CORPUS = join(import.meta.dirname, '../../conformance/hl7v2');
/** Debian's python3-hl7 (scripts/test installs it); the test that uses it is skipped, with a warning, without it. */
const MLLP_SEND = '/usr/bin/mllp_send';
if (!existsSync(MLLP_SEND)) console.warn(`${MLLP_SEND} (python3-hl7) is missing: the python-hl7 interoperability test is skipped`);
const execFileAsync = promisify(execFile);
const ANALYST = 'analyst-token-0123456789';
const COMPLIANCE = 'compliance-token-0123456789';
const MRN = RDS_PATIENT.mrn;
const rds = handWrittenRds;

describe('HL7 v2 over MLLP, end to end', () => {
  let gw: RunningGateway;
  let baseUrl: string;
  let stop: () => Promise<void>;
  const logLines: string[] = [];

  beforeAll(async () => {
    ({ gw, baseUrl, stop } = await startTestGateway(
      // The public corpus is mostly training (T) and debugging (D) messages; a production gateway takes only P.
      { AUTH_TOKENS: `analyst:${ANALYST},compliance:${COMPLIANCE}`, HL7_FACILITY_MAP: 'HOSP1=HOSP1', HL7_PROCESSING_IDS: 'P,T,D', LOG_LEVEL: 'info' },
      createLogger('info', { write: (line: string) => void logLines.push(line) }),
    ));
    const ctx = { actor: 'analyst:test', reason: 'test fixture' };
    await gw.mappings.service.create('drugs', { ndc11: '00591-0369-01', description: 'Hydrocodone/APAP 5/325 tablet' }, ctx);
    await gw.mappings.service.create('schedules', { ndc11: '00591036901', schedule: 'II' }, ctx);
  });

  afterAll(async () => {
    await stop?.();
  });

  /** Another HL7 adapter with settings of its own, on this gateway's bus, store and mappings. */
  const secondAdapter = (env: Record<string, string>) =>
    startHl7Adapter({
      config: loadConfig(env),
      bus: gw.bus,
      store: gw.store,
      intake: gw.intake,
      metrics: gw.metrics,
      logger: createLogger('silent'),
      vault: gw.phi.vault,
      tokenKey: gw.phi.keys.tokenKey,
      drugs: gw.mappings.resolver,
    });

  const ledger = async (facility: string) => (await listLedger(gw.store, { facility, limit: 1000 })).entries;

  it('acknowledges an RDS^O13 from node-hl7-client with AA only once the dispense is in the ledger', async () => {
    const sender = await connectNodeHl7Client({ port: gw.mllp.port! });
    try {
      const ack = await sender.send(rds('RDS-1'));
      expect(ack.code).toBe('AA');
      expect(ack.controlId).toBe('RDS-1');
    } finally {
      await sender.close();
    }
    const rows = await ledger('HOSP1');
    expect(rows).toHaveLength(1);
    const event = rows[0]!.event;
    expect(event).toMatchObject({
      type: 'rx.dispense',
      facility_id: 'HOSP1',
      occurred_at: '2026-11-21T10:10:00.000Z',
      source: { adapter: 'hl7v2', sender: 'PHARM^HOSP1', message_id: 'RDS-1' },
      drug: { ndc11: '00591036901', schedule: 'II', lot: 'LOT-9', expiry: '2027-12-31' },
      quantity: { value: 30, unit: 'TAB' },
    });
    expect(event.patient_ref).toMatch(/^pt_[0-9a-f]{64}$/);
    // The MRN and the name went to the vault, not to the bus or the ledger.
    expect(JSON.stringify(rows)).not.toContain(MRN);
    expect(JSON.stringify(rows)).not.toContain(RDS_PATIENT.family);
    const vault = await gw.phi.vault.get(event.patient_ref!);
    expect(vault!.identifiers).toContainEqual(expect.objectContaining({ value: MRN }));
  });

  it('answers a repeated message with the very same ACK bytes and records no second event', async () => {
    const socket = await openRawSocket(gw.mllp.port!);
    await socket.write(frame(new TextEncoder().encode(rds('RDS-2'))));
    const [first] = await socket.waitForAnswers(1);
    await socket.write(frame(new TextEncoder().encode(rds('RDS-2'))));
    const [, second] = await socket.waitForAnswers(2);
    socket.socket.destroy();
    expect(Buffer.from(second!).equals(Buffer.from(first!))).toBe(true);
    const rows = (await ledger('HOSP1')).filter((r) => r.event.source.message_id === 'RDS-2');
    expect(rows).toHaveLength(1);
  });

  it('takes a Big5 message whose header holds a byte equal to the field separator, and answers AA in Big5', async () => {
    // From the Big5 chart: 弋 is 0xA4 0x7C (its second byte is "|"), 許 is 0xB3 0x5C (its second byte is "\").
    const chart: Record<string, number[]> = { '弋': [0xa4, 0x7c], '許': [0xb3, 0x5c] };
    const text = rds('BIG5-1', undefined, '||||||BIG-5').replace('|PHARM|', '|PHARM弋|').replace(`|${RDS_PATIENT.family}^`, `|${RDS_PATIENT.family}許^`);
    const bytes = Buffer.concat(text.split(/(弋|許)/).map((part) => Buffer.from(chart[part] ?? Buffer.from(part, 'latin1'))));
    const socket = await openRawSocket(gw.mllp.port!);
    await socket.write(frame(bytes));
    const [answer] = await socket.waitForAnswers(1);
    socket.socket.destroy();
    // Read with the platform's own Big5 decoder (ICU), not ours.
    const ack = new TextDecoder('big5').decode(answer);
    expect(ack).toMatch(/^MSH\|\^~\\&\|EHR\|HOSP1\|PHARM弋\|HOSP1\|/);
    expect(ack.split('\r')[0]!.split('|')[17]).toBe('BIG-5');
    expect(ack).toContain('\rMSA|AA|BIG5-1');
    expect(Buffer.from(answer!).includes(Buffer.from([0x50, 0x48, 0x41, 0x52, 0x4d, 0xa4, 0x7c]))).toBe(true);
    const [row] = (await ledger('HOSP1')).filter((r) => r.event.source.message_id === 'BIG5-1');
    expect(row!.event.source.sender).toBe('PHARM弋^HOSP1');
    expect((await gw.phi.vault.get(row!.event.patient_ref!))!.demographics).toMatchObject({ family_name: `${RDS_PATIENT.family}許` });

    // 0xFF 0x41 is no Big5 character: AR with ERR 102 at that byte, the message kept in quarantine, no event.
    const broken = Buffer.from(rds('BIG5-BAD', undefined, '||||||BIG-5').replace(`|${RDS_PATIENT.family}^`, `|${RDS_PATIENT.family}\u00ff^`), 'latin1');
    const bad = await openRawSocket(gw.mllp.port!);
    await bad.write(frame(broken));
    const [refusal] = await bad.waitForAnswers(1);
    bad.socket.destroy();
    const refused = new TextDecoder().decode(refusal);
    expect(refused).toContain('\rMSA|AR|BIG5-BAD');
    expect(refused).toMatch(/\rERR\|[^\r]*\|102\^/);
    const kept = await listQuarantine(gw.bus, { limit: 1000, adapter: 'hl7v2', reason: 'parse' });
    expect(kept.entries.filter((e) => e.source?.message_id === 'BIG5-BAD' && e.size === broken.length)).toHaveLength(1);
    expect((await ledger('HOSP1')).some((r) => r.event.source.message_id === 'BIG5-BAD')).toBe(false);
  });

  it('takes a resend with the same sender and MSH-10 but other bytes (a new MSH-7) for a repeat: same ACK, no second event', async () => {
    // Interface engines that rebuild a message to resend it stamp a new MSH-7; the dispense must still count once.
    const resent = rds('RDS-2R').replace('|20261121101500||', '|20261121101730||');
    expect(resent).not.toBe(rds('RDS-2R'));
    const socket = await openRawSocket(gw.mllp.port!);
    await socket.write(frame(new TextEncoder().encode(rds('RDS-2R'))));
    const [first] = await socket.waitForAnswers(1);
    await socket.write(frame(new TextEncoder().encode(resent)));
    const [, second] = await socket.waitForAnswers(2);
    expect(Buffer.from(second!).equals(Buffer.from(first!))).toBe(true);
    // The differing copy is not an event, but it is not thrown away either.
    const kept = await listQuarantine(gw.bus, { limit: 1000, adapter: 'hl7v2' });
    expect(kept.entries.filter((e) => e.reason === 'repeat_differs' && e.size === new TextEncoder().encode(resent).length)).toHaveLength(1);

    // Without the remembered answer (purged bucket) a third copy gets an AA of its own, and still no event.
    await gw.bus.jsm.streams.purge(`KV_${gw.bus.names.buckets.hl7Seen}`);
    await socket.write(frame(new TextEncoder().encode(resent.replace('|20261121101730||', '|20261121101945||'))));
    const [, , third] = await socket.waitForAnswers(3);
    socket.socket.destroy();
    expect(new TextDecoder().decode(third)).toMatch(/\rMSA\|AA\|RDS-2R/);
    const rows = (await ledger('HOSP1')).filter((r) => r.event.source.message_id === 'RDS-2R');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.event.source.raw_sha256).toBe(createHash('sha256').update(rds('RDS-2R')).digest('hex'));
  });

  it('answers a rebuilt resend whose first event is gone from the bus with its remembered ACK, or else AE, and keeps it', async () => {
    const socket = await openRawSocket(gw.mllp.port!);
    await socket.write(frame(new TextEncoder().encode(rds('RDS-2G'))));
    const [first] = await socket.waitForAnswers(1);
    // An operator removes the first event from the stream while JetStream still knows its message id.
    const stream = gw.bus.names.streams.events;
    const { state } = await gw.bus.jsm.streams.info(stream);
    let seq = state.last_seq;
    const messageIdAt = async (s: number) => (await gw.bus.jsm.streams.getMessage(stream, { seq: s }))?.json<{ source: { message_id: string } }>().source.message_id;
    while (seq > state.last_seq - 20 && (await messageIdAt(seq)) !== 'RDS-2G') seq--;
    expect(await messageIdAt(seq)).toBe('RDS-2G');
    await gw.bus.jsm.streams.deleteMessage(stream, seq);
    const resend = (minute: string) => new TextEncoder().encode(rds('RDS-2G').replace('|20261121101500||', `|2026112110${minute}00||`));
    await socket.write(frame(resend('20')));
    const [, second] = await socket.waitForAnswers(2);
    expect(Buffer.from(second!).equals(Buffer.from(first!))).toBe(true);
    // Neither the bus nor the bucket of answers knows it any more: an AE names the problem, nothing is recorded.
    await gw.bus.jsm.streams.purge(`KV_${gw.bus.names.buckets.hl7Seen}`);
    await socket.write(frame(resend('25')));
    const [, , third] = await socket.waitForAnswers(3);
    socket.socket.destroy();
    expect(new TextDecoder().decode(third)).toMatch(/\rMSA\|AE\|RDS-2G/);
    expect(new TextDecoder().decode(third)).toMatch(/\rERR\|[^\r]*\|207\^/);
    const kept = await listQuarantine(gw.bus, { limit: 1000, adapter: 'hl7v2' });
    expect(kept.entries.filter((e) => e.reason === 'repeat_unverifiable')).toHaveLength(2);
    expect((await ledger('HOSP1')).filter((r) => r.event.source.message_id === 'RDS-2G')).toHaveLength(1);
  });

  it('answers a repeat whose first answer is no longer remembered with AA of its own, and records no second event', async () => {
    const socket = await openRawSocket(gw.mllp.port!);
    await socket.write(frame(new TextEncoder().encode(rds('RDS-2B'))));
    const [first] = await socket.waitForAnswers(1);
    // The bucket of answered messages loses its record (a purge, an expired TTL): the ledger still knows the events.
    await gw.bus.jsm.streams.purge(`KV_${gw.bus.names.buckets.hl7Seen}`);
    await socket.write(frame(new TextEncoder().encode(rds('RDS-2B'))));
    const [, second] = await socket.waitForAnswers(2);
    socket.socket.destroy();
    const [firstText, secondText] = [first!, second!].map((a) => new TextDecoder().decode(a));
    expect(firstText).toMatch(/\rMSA\|AA\|RDS-2B/);
    expect(secondText).toMatch(/\rMSA\|AA\|RDS-2B/);
    expect(secondText).not.toBe(firstText); // a fresh ACK (its own MSH-10), not the remembered bytes
    const rows = (await ledger('HOSP1')).filter((r) => r.event.source.message_id === 'RDS-2B');
    expect(rows).toHaveLength(1);
  });

  it.skipIf(!existsSync(MLLP_SEND))("accepts what python-hl7's mllp_send sends, an independent non-JavaScript sender", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rxgate-python-hl7-'));
    try {
      // --loose reads messages that start with MSH and separate segments with CRLF, as files written on Windows do.
      const file = join(dir, 'two.hl7');
      writeFileSync(file, [rds('PY-1'), rds('PY-2')].map((m) => `${m.replace(/\r/g, '\r\n')}\r\n`).join(''));
      const { stdout } = await execFileAsync('/usr/bin/python3', [MLLP_SEND, '--loose', '-f', file, '-p', String(gw.mllp.port), '127.0.0.1'], { timeout: 30_000 });
      expect(stdout).toMatch(/MSA\|AA\|PY-1/);
      expect(stdout).toMatch(/MSA\|AA\|PY-2/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const rows = (await ledger('HOSP1')).filter((r) => r.event.source.message_id.startsWith('PY-'));
    expect(rows.map((r) => r.event.source.message_id).sort()).toEqual(['PY-1', 'PY-2']);
  });

  it('answers enhanced mode with a commit ACK, then the application ACK the sender asked for', async () => {
    const socket = await openRawSocket(gw.mllp.port!);
    await socket.write(frame(new TextEncoder().encode(rds('RDS-3', '00591-0369-01', '|||AL|AL'))));
    const answers = (await socket.waitForAnswers(2)).map((a) => new TextDecoder().decode(a));
    socket.socket.destroy();
    expect(answers[0]).toMatch(/\rMSA\|CA\|RDS-3/);
    expect(answers[1]).toMatch(/\rMSA\|AA\|RDS-3/);
    expect(answers[0]).toMatch(/^MSH\|\^~\\&\|EHR\|HOSP1\|PHARM\|HOSP1\|/);
  });

  it('does not answer an acknowledgement or other response sent to it (original mode), keeps it in the ledger, and answers one that asks (MSH-15 AL)', async () => {
    // An EHR that sends its application ACKs for our dispenses on a connection of its own: answering them would
    // start a loop with a peer that acknowledges acknowledgements.
    const ack = (id: string, msh15 = '') =>
      [`MSH|^~\\&|EHR|HOSP1|RXGATE|PHARM|20261121101600||ACK^O13^ACK|${id}|P|2.5|||${msh15}`, 'MSA|AA|RX0123456789abcdef01'].join('\r');
    // RRD^O14: the response v2.5 defines for an RDS^O13 (MSA, then the dispense as the EHR took it)
    const rrd = [
      'MSH|^~\\&|EHR|HOSP1|RXGATE|PHARM|20261121101700||RRD^O14^RRD_O14|EHR-RRD-1|P|2.5',
      'MSA|AA|RX0123456789abcdef02',
      `PID|1||${MRN}^^^HOSP1^MR`,
      'ORC|RE|ORD-1',
      'RXD|1|00591-0369-01^Hydrocodone^NDC|20261121101000|30|TAB',
    ].join('\r');
    const socket = await openRawSocket(gw.mllp.port!);
    await socket.write(frame(new TextEncoder().encode(ack('EHR-ACK-1'))));
    await socket.write(frame(new TextEncoder().encode(rrd)));
    await socket.write(frame(new TextEncoder().encode(rds('RDS-AFTER-ACK'))));
    const [first] = await socket.waitForAnswers(1);
    expect(new TextDecoder().decode(first)).toMatch(/\rMSA\|AA\|RDS-AFTER-ACK/);
    await socket.write(frame(new TextEncoder().encode(ack('EHR-ACK-2', 'AL'))));
    const [, second] = await socket.waitForAnswers(2);
    expect(new TextDecoder().decode(second)).toMatch(/\rMSA\|CA\|EHR-ACK-2/);
    socket.socket.destroy();
    const kept = (await ledger('HOSP1')).filter((r) => r.event.source.message_id.startsWith('EHR-'));
    expect(kept.map((r) => [r.event.source.message_id, r.event.type, r.event.payload.message_type])).toEqual([
      ['EHR-ACK-1', 'hl7v2.unhandled', 'ACK^O13'],
      ['EHR-RRD-1', 'hl7v2.unhandled', 'RRD^O14'],
      ['EHR-ACK-2', 'hl7v2.unhandled', 'ACK^O13'],
    ]);
  });

  it('records an ADT feed from node-hl7-client (admit, transfer, swap, discharge) as patient updates in order, the patient only as a token', async () => {
    // Written by hand from HL7 v2.5 chapter 3 (ADT_A01, ADT_A02, ADT_A17, ADT_A03): the patient of the dispenses above.
    const header = (trigger: string, structure: string, id: string) => [
      `MSH|^~\\&|ADT|HOSP1|RXGATE|PHARM|20261121080000||ADT^${trigger}^${structure}|${id}|P|2.5`,
      `EVN|${trigger}|20261121080000`,
    ];
    const pid = `PID|1||${MRN}^^^HOSP1^MR||${RDS_PATIENT.family}^PATIENT||19700101|F`;
    const adt = (trigger: string, structure: string, id: string, ...rest: string[]) => [...header(trigger, structure, id), pid, ...rest].join('\r');
    const feed = [
      adt(
        'A01',
        'ADT_A01',
        'ADT-1',
        'PV1|1|I|5W^512^A^HOSP1||||||||||||||||VN-1^^^HOSP1^VN|||||||||||||||||||||||||20261121073000',
        // DG1-18 Y: the sender marks the second diagnosis confidential
        'DG1|1||I48.91^Unspecified atrial fibrillation^I10|irregular heartbeat per son|20261121070000|A',
        'DG1|2||F10.20^Alcohol dependence, uncomplicated^I10||20261121070000|A||||||||||||Y',
      ),
      adt('A02', 'ADT_A02', 'ADT-2', 'PV1|1|I|ICU^3^^HOSP1|||5W^512^A^HOSP1|||||||||||||VN-1^^^HOSP1^VN|||||||||||||||||||||||||20261121073000'),
      [
        ...header('A17', 'ADT_A17', 'ADT-SWAP'),
        pid,
        'PV1|1|I|ICU^4^^HOSP1|||ICU^3^^HOSP1|||||||||||||VN-1^^^HOSP1^VN',
        'PID|2||MRN-NEIGHBOUR^^^HOSP1^MR||NEIGHBOUR^PAT',
        'PV1|1|I|ICU^3^^HOSP1|||ICU^4^^HOSP1|||||||||||||VN-2^^^HOSP1^VN',
      ].join('\r'),
      adt('A03', 'ADT_A03', 'ADT-3', 'PV1|1|I|ICU^4^^HOSP1||||||||||||||||VN-1^^^HOSP1^VN|||||||||||||||||||||||||20261121073000|20261123110000'),
    ];
    const sender = await connectNodeHl7Client({ port: gw.mllp.port! });
    try {
      for (const message of feed) expect((await sender.send(message)).code).toBe('AA');
    } finally {
      await sender.close();
    }
    const rows = (await ledger('HOSP1')).filter((r) => r.event.source.message_id.startsWith('ADT-'));
    expect(rows.map((r) => [r.event.source.message_id, r.event.type, r.event.payload.action])).toEqual([
      ['ADT-1', 'patient.update', 'admit'],
      ['ADT-2', 'patient.update', 'transfer'],
      ['ADT-SWAP', 'patient.update', 'swap'],
      ['ADT-SWAP', 'patient.update', 'swap'],
      ['ADT-3', 'patient.update', 'discharge'],
    ]);
    expect(rows.map((r) => r.event.payload.location)).toEqual([
      { point_of_care: '5W', room: '512', bed: 'A', facility: 'HOSP1' },
      { point_of_care: 'ICU', room: '3', facility: 'HOSP1' },
      { point_of_care: 'ICU', room: '4', facility: 'HOSP1' },
      { point_of_care: 'ICU', room: '3', facility: 'HOSP1' },
      { point_of_care: 'ICU', room: '4', facility: 'HOSP1' },
    ]);
    expect(rows[1]!.event.payload.prior_location).toEqual({ point_of_care: '5W', room: '512', bed: 'A', facility: 'HOSP1' });
    expect(rows[4]!.event.payload).toMatchObject({ admitted_at: '2026-11-21T07:30:00.000Z', discharged_at: '2026-11-23T11:00:00.000Z' });
    // PID-8 F and PID-7 1970-01-01 to EVN-2 2026-11-21: sex and age, never the birth date
    expect(rows.map((r) => [r.event.payload.sex, r.event.payload.age_years])).toEqual([['F', 56], ['F', 56], ['F', 56], [undefined, undefined], ['F', 56]]);
    // the diagnosis a pharmacist checks an anticoagulant against, by code; the confidential one not at all
    expect(rows[0]!.event.payload.diagnoses).toEqual([
      { code: { code: 'I48.91', display: 'Unspecified atrial fibrillation', system: 'I10' }, type: 'A', diagnosed_at: '2026-11-21T07:00:00.000Z' },
    ]);
    // One patient, one token, the same one the dispenses of this patient carry; the neighbour of the swap has their own.
    const dispense = (await ledger('HOSP1')).find((r) => r.event.source.message_id === 'RDS-1')!;
    const neighbour = rows[3]!.event.patient_ref;
    expect(neighbour).not.toBe(dispense.event.patient_ref);
    expect(new Set(rows.filter((r) => r !== rows[3]).map((r) => r.event.patient_ref))).toEqual(new Set([dispense.event.patient_ref]));
    for (const needle of [MRN, RDS_PATIENT.family, 'VN-1', 'VN-2', '19700101', 'NEIGHBOUR', 'F10.20', 'Alcohol', 'per son']) expect(JSON.stringify(rows)).not.toContain(needle);
  });

  it('records a lab result from node-hl7-client (ORU^R01) as the patient\'s observations: numbers and codes, no text', async () => {
    // Written by hand from HL7 v2.5 §7.3.1: a renal panel and an INR for the patient of the dispenses above.
    const oru = [
      'MSH|^~\\&|LIS|HOSP1|RXGATE|PHARM|20261121091500||ORU^R01^ORU_R01|ORU-1|P|2.5.1',
      `PID|1||${MRN}^^^HOSP1^MR||${RDS_PATIENT.family}^PATIENT||19700101|F`,
      'PV1|1|I|5W^512^A^HOSP1||||||||||||||||VN-1^^^HOSP1^VN',
      'OBR|1|PL1^EHR|F1^LIS|24362-6^Renal function panel^LN|||20261121063000|||||||||||||||20261121090000|||F',
      'OBX|1|NM|2160-0^Creatinine^LN||2.4|mg/dL|0.6-1.2|H|||F|||20261121063000',
      'OBX|2|SN|33914-3^eGFR^LN||<^25|mL/min/{1.73_m2}|>60|L|||F',
      `OBX|3|TX|8251-1^Comment^LN||Called to Dr ${RDS_PATIENT.family}||||||F`,
      'OBR|2||F2^LIS|6301-6^INR^LN|||20261121064500|||||||||||||||20261121091000|||F',
      'OBX|1|NM|6301-6^INR^LN||3.1||2.0-3.0|H|||F',
    ].join('\r');
    const sender = await connectNodeHl7Client({ port: gw.mllp.port! });
    try {
      expect((await sender.send(oru)).code).toBe('AA');
    } finally {
      await sender.close();
    }
    const rows = (await ledger('HOSP1')).filter((r) => r.event.source.message_id === 'ORU-1');
    expect(rows.map((r) => [r.event.type, r.event.occurred_at, r.event.payload.panel])).toEqual([
      ['patient.observation', '2026-11-21T06:30:00.000Z', { code: '24362-6', display: 'Renal function panel', system: 'LN' }],
      ['patient.observation', '2026-11-21T06:45:00.000Z', { code: '6301-6', display: 'INR', system: 'LN' }],
    ]);
    expect(rows.map((r) => r.event.payload.observations)).toEqual([
      [
        { code: { code: '2160-0', display: 'Creatinine', system: 'LN' }, value: 2.4, unit: 'mg/dL', abnormal: 'H', status: 'F', observed_at: '2026-11-21T06:30:00.000Z' },
        { code: { code: '33914-3', display: 'eGFR', system: 'LN' }, comparator: '<', value: 25, unit: 'mL/min/{1.73_m2}', abnormal: 'L', status: 'F' },
      ],
      [{ code: { code: '6301-6', display: 'INR', system: 'LN' }, value: 3.1, abnormal: 'H', status: 'F' }],
    ]);
    // the same patient and visit tokens as the patient's dispenses and admission; the text and identifiers nowhere
    const dispense = (await ledger('HOSP1')).find((r) => r.event.source.message_id === 'RDS-1')!;
    const admission = (await ledger('HOSP1')).find((r) => r.event.source.message_id === 'ADT-1')!;
    for (const row of rows) {
      expect(row.event.patient_ref).toBe(dispense.event.patient_ref);
      expect(row.event.payload.encounter_ref).toBe(admission.event.payload.encounter_ref);
    }
    for (const needle of [MRN, RDS_PATIENT.family, 'VN-1', 'Called']) expect(JSON.stringify(rows)).not.toContain(needle);
  });

  it('parks a dispense of an unmapped drug, answers AA, and opens a pending mapping', async () => {
    const sender = await connectNodeHl7Client({ port: gw.mllp.port! });
    try {
      expect((await sender.send(rds('RDS-4', '12345-6789-01'))).code).toBe('AA');
    } finally {
      await sender.close();
    }
    expect((await ledger('HOSP1')).filter((r) => r.event.source.message_id === 'RDS-4')).toHaveLength(0);
    const pending = await gw.mappings.pending.list({ limit: 100 });
    expect(JSON.stringify(pending)).toContain('12345');
  });

  it('rejects a message without MSH-9 with AR and an ERR naming the field, and keeps it in quarantine', async () => {
    const broken = rds('BAD-1').replace('RDS^O13^RDS_O13', '');
    const socket = await openRawSocket(gw.mllp.port!);
    await socket.write(frame(new TextEncoder().encode(broken)));
    const [answer] = await socket.waitForAnswers(1);
    socket.socket.destroy();
    const text = new TextDecoder().decode(answer);
    expect(text).toMatch(/\rMSA\|AR\|BAD-1/);
    expect(text).toMatch(/\rERR\|\|MSH\^1\^9/);
    const kept = await listQuarantine(gw.bus, { limit: 100, adapter: 'hl7v2' });
    expect(kept.entries.some((e) => e.reason === 'parse' && e.size === new TextEncoder().encode(broken).length)).toBe(true);
  });

  it('answers a dispense message without a dispense (no RXD) with AE and ERR 100, keeps it, and records no event', async () => {
    const noRxd = rds('NO-RXD').split('\r').filter((segment) => !segment.startsWith('RXD')).join('\r');
    const sender = await connectNodeHl7Client({ port: gw.mllp.port! });
    let ack;
    try {
      ack = await sender.send(noRxd);
    } finally {
      await sender.close();
    }
    expect(ack).toMatchObject({ code: 'AE', controlId: 'NO-RXD' });
    // HL7 table 0357: 100 is "segment sequence error", the RXD group the message structure requires is missing.
    const err = ack.text.split('\r').find((segment) => segment.startsWith('ERR|'))!.split('|');
    expect(err[3]).toMatch(/^100\^/);
    expect(err[4]).toBe('E');
    const kept = await listQuarantine(gw.bus, { limit: 100, adapter: 'hl7v2', reason: 'translate' });
    expect(kept.entries.some((e) => e.size === new TextEncoder().encode(noRxd).length)).toBe(true);
    expect((await ledger('HOSP1')).filter((r) => r.event.source.message_id === 'NO-RXD')).toHaveLength(0);
  });

  it('shows each open MLLP connection with its last sender and counts in GET /api/mllp/status, to analysts and compliance', async () => {
    const sender = await connectNodeHl7Client({ port: gw.mllp.port! });
    try {
      expect((await sender.send(rds('STATUS-1'))).code).toBe('AA');
      const status = async (token: string) => fetch(`${baseUrl}/api/mllp/status`, { headers: { authorization: `Bearer ${token}` } });
      const res = await status(ANALYST);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { port: number; tls_port: number | null; max_connections: number; connections: Record<string, unknown>[] };
      expect(body).toMatchObject({ port: gw.mllp.port, tls_port: null, max_connections: expect.any(Number), outbound: [] });
      expect(body.connections).toContainEqual(
        expect.objectContaining({ remote_address: '127.0.0.1', tls: false, peer_identity: null, last_sender: 'PHARM^HOSP1', frames_in: 1, answered: 1, waiting: 0 }),
      );
      expect((await status(COMPLIANCE)).status).toBe(200);
      expect((await fetch(`${baseUrl}/api/mllp/status`)).status).toBe(401);
    } finally {
      await sender.close();
    }
  });

  it('counts and times every answer, and gauges the open connections, in /metrics', async () => {
    const sample = async (series: string) => {
      const text = await (await fetch(`${baseUrl}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line ? Number(line.slice(series.length + 1)) : 0;
    };
    const accepted = 'rxgate_hl7_messages_total{type="RDS^O13",outcome="accept"}';
    const unparsed = 'rxgate_hl7_messages_total{type="unparsed",outcome="reject"}';
    const timed = 'rxgate_hl7_ack_seconds_count{outcome="accept"}';
    const stage = (name: string) => `rxgate_ack_stage_seconds_count{adapter="hl7v2",stage="${name}"}`;
    const stages = async () => ({ prepare: await sample(stage('prepare')), publish: await sample(stage('publish')), ack_point: await sample(stage('ack_point')) });
    const before = { accepted: await sample(accepted), unparsed: await sample(unparsed), timed: await sample(timed), stages: await stages() };

    const socket = await openRawSocket(gw.mllp.port!);
    await socket.write(frame(new TextEncoder().encode(rds('METRICS-1'))));
    await socket.write(frame(new TextEncoder().encode('not an HL7 message')));
    await socket.waitForAnswers(2);
    expect(await sample('rxgate_mllp_connections')).toBeGreaterThanOrEqual(1);
    socket.socket.destroy();

    expect(await sample(accepted)).toBe(before.accepted + 1);
    expect(await sample(unparsed)).toBe(before.unparsed + 1);
    expect(await sample(timed)).toBe(before.timed + 1);
    const lastAccepted = await sample('rxgate_hl7_last_accepted_timestamp_seconds{facility="HOSP1"}');
    expect(Math.abs(lastAccepted - Date.now() / 1000)).toBeLessThan(60);
    // the accepted message went through every stage once (this gateway waits for the ledger); the unparsed one through none
    expect(await stages()).toEqual({ prepare: before.stages.prepare + 1, publish: before.stages.publish + 1, ack_point: before.stages.ack_point + 1 });
  });

  it('answers every corpus message as the standard requires, through the real listener', async () => {
    // A file holding MLLP's own start or end byte cannot travel inside a frame (the parser tests cover it).
    const files = readdirSync(CORPUS)
      .filter((f) => /\.(hl7|er7|txt)$/.test(f) && !f.startsWith('LICENSE'))
      .filter((f) => !readFileSync(join(CORPUS, f)).some((b) => b === 0x0b || b === 0x1c));
    expect(files.length).toBeGreaterThan(50);
    // Written by reading each file's MSH-15/MSH-16 (enhanced mode; HL7 v2.5 §2.9.3): AL|NE → a commit ACK only,
    // AL|ER → CA and no application ACK on success, ER|AL → no commit ACK on success and an AA, AL|AL → both,
    // NE|NE → no answer at all. An OBX without OBX-3.1 (required in every version) is an error: ORU-R01-01 (AL|NE)
    // gets CE, and in the bad batch (both OBX-3.1 blanked) each message gets an AE inside the batch ACK, errors being
    // always reported in a batch. The "empty" batch (BTS-1 says 2, none present) is rejected whole. The realm
    // messages' OBR-22 (2008081830-0700) has hour 30, a data type error (102) now that results are translated:
    // answered AE inside the "good" batch's envelope too, and not at all alone (NE|NE). Everything else is in
    // original mode and accepted: pharmacy types and results translated, the rest kept as hl7v2.unhandled.
    const expected: Record<string, string[]> = {
      'lfh__OMP_O09_identifiers.hl7': ['CA'],
      'lfh__RDE_O11_identifiers.hl7': ['CA'],
      'msfhirconv__ADT-A40-02.hl7': [],
      'msfhirconv__IZ_1_1.1_Admin_Child_Max_Message.hl7': ['CA'],
      'msfhirconv__LRI_2.0-NG_CBC_Typ_Message.hl7': ['CA'],
      'msfhirconv__ORU-R01-01.hl7': ['CE'],
      'msfhirconv__VXU.hl7': ['AA'],
      'rubyhl7__adt_a01.hl7': ['CA'],
      'rubyhl7__obxobr.hl7': ['CA', 'AA'],
      'rubyhl7__realm_realm-bad-batch.hl7': ['batch:AE,AE'],
      'rubyhl7__realm_realm-batch.hl7': ['batch:AE,AE'],
      'rubyhl7__empty-batch.hl7': ['AR'],
      'rubyhl7__realm_realm-cj.hl7': [],
      'rubyhl7__realm_realm-lead-laboratory-result.hl7': [],
      'rubyhl7__realm_realm-minimal-message.hl7': [],
      'rubyhl7__rqi_r04.hl7': [],
    };
    const socket = await openRawSocket(gw.mllp.port!);
    let answered = 0;
    for (const file of files) {
      const want = expected[file] ?? ['AA'];
      await socket.write(frame(readFileSync(join(CORPUS, file))));
      // A connection is served in order, so the answers to a message that wants none are simply absent.
      const answers = await socket.waitForAnswers(answered + want.length, 15_000);
      const got = answers.slice(answered).map((a) => {
        const text = new TextDecoder().decode(a);
        const codes = [...text.matchAll(/(?:^|\r)MSA\|([A-Z]{2})/g)].map((m) => m[1]);
        return /^(FHS|BHS)/.test(text) ? `batch:${codes.join(',')}` : codes.join(',');
      });
      answered += want.length;
      expect(got, file).toEqual(want);
    }
    // The last message asked for no answer either: a final message proves the connection is still served.
    await socket.write(frame(new TextEncoder().encode(rds('RDS-LAST'))));
    const [last] = (await socket.waitForAnswers(answered + 1)).slice(answered);
    expect(new TextDecoder().decode(last)).toMatch(/\rMSA\|AA\|RDS-LAST/);
    socket.socket.destroy();
  });

  const fuzzIterations = Number(process.env.FUZZ_LISTENER_ITERATIONS ?? 300);
  const fuzzSeed = Number(process.env.FUZZ_LISTENER_SEED ?? 20261121);
  it('survives mutated and random frames: every answer is a well-formed ACK, every rejection is in quarantine', async () => {
    const prng = createPrng(fuzzSeed);
    const seeds = corpusFiles().map(readCorpusBytes).filter((b) => !b.some((x) => x === 0x0b || x === 0x1c));
    const names = MUTATION_NAMES;
    const iterations = fuzzIterations;
    const kept = async () => (await gw.bus.jsm.streams.info(gw.bus.names.streams.quarantine)).state.messages;
    const before = await kept();
    const socket = await openRawSocket(gw.mllp.port!);
    let rejected = 0;
    let read = 0;
    for (let i = 0; i < iterations; i++) {
      let input: Uint8Array =
        i % 10 === 9
          ? Uint8Array.from({ length: prng.int(300) }, () => prng.int(256))
          : MUTATIONS[prng.pick(names)]!(prng.pick(seeds), prng);
      input = input.filter((b) => b !== 0x0b && b !== 0x1c); // bytes MLLP itself reserves cannot be inside a frame
      await socket.write(frame(input));
      // A known message right behind it: everything answered before its AA belongs to the fuzzed frame.
      const sentinel = `FZ-${i}`;
      await socket.write(frame(new TextEncoder().encode(rds(sentinel))));
      for (;;) {
        const [answer] = (await socket.waitForAnswers(read + 1, 15_000)).slice(read);
        read++;
        const text = new TextDecoder('latin1').decode(answer);
        if (text.includes(`MSA|AA|${sentinel}`)) break;
        // Read with our parser: a fuzzed sender's delimiters are mirrored into its ACK.
        const acks = /^(FHS|BHS)/.test(text) ? parseBatch(answer!).messages : [parseMessage(answer!)];
        const codes = acks.map((m) => m.segment('MSA')?.get(1) ?? '');
        expect(codes.every((c) => /^[AC][ARE]$/.test(c)), `answer to fuzz input ${i}: ${codes.join(',')}`).toBe(true);
        if (codes.some((c) => c !== 'AA' && c !== 'CA')) rejected++;
      }
    }
    socket.socket.destroy();
    const after = await kept();
    expect(rejected).toBeGreaterThan(iterations / 10);
    expect(after - before).toBeGreaterThanOrEqual(rejected);
  }, Math.max(60_000, fuzzIterations * 30)); // a long run (FUZZ_LISTENER_ITERATIONS) needs no timeout flag of its own

  it('serves 1,000 senders at once (MLLP_MAX_CONNECTIONS by default), each answered AA in order, each dispense once; the next is refused', async () => {
    // Their own facility's chain, so that the other tests' reads of HOSP1 stay short; and no limit per address, as
    // every sender here is 127.0.0.1.
    const adapter = await secondAdapter({ MLLP_PORT: '0', HL7_FACILITY_MAP: 'HOSP1=MANY', MLLP_MAX_CONNECTIONS_PER_ADDRESS: '0' });
    const port = adapter.listener.address.plain!.port;
    const sockets: Awaited<ReturnType<typeof openRawSocket>>[] = [];
    try {
      for (let i = 0; i < 1000; i++) sockets.push(await openRawSocket(port));
      const over = await openRawSocket(port);
      await over.closed; // refused at once: no frame is read from it
      expect(adapter.listener.connectionCount()).toBe(1000);
      // Each sender its own patient (its own lane), two messages, the second sent once the first is answered.
      const answers = await Promise.all(
        sockets.map(async (socket, i) => {
          const message = (n: number) => new TextEncoder().encode(rds(`MANY-${i}-${n}`).replace(MRN, `ZZMANY${i}`));
          await socket.write(frame(message(1)));
          await socket.waitForAnswers(1, 60_000);
          await socket.write(frame(message(2)));
          return (await socket.waitForAnswers(2, 60_000)).map((a) => /\rMSA\|([A-Z]{2})\|([^|\r]*)/.exec(new TextDecoder().decode(a))!.slice(1).join(' '));
        }),
      );
      expect(answers).toEqual(sockets.map((_, i) => [`AA MANY-${i}-1`, `AA MANY-${i}-2`]));
    } finally {
      for (const socket of sockets) socket.socket.destroy();
      await adapter.stop();
    }
    const ids: string[] = [];
    let after: number | undefined;
    do {
      const page = await listLedger(gw.store, { facility: 'MANY', limit: 1000, ...(after === undefined ? {} : { after }) });
      ids.push(...page.entries.map((r) => r.event.source.message_id));
      after = page.next_after;
    } while (after !== undefined);
    expect(ids).toHaveLength(2000);
    expect(new Set(ids).size).toBe(2000);
    for (let i = 0; i < 1000; i += 97) expect(ids.indexOf(`MANY-${i}-1`)).toBeLessThan(ids.indexOf(`MANY-${i}-2`));
  }, 180_000);

  it("reads a facility's local times in the zone HL7_TIME_ZONE_MAP gives it, and refuses to start with a zone for a facility it never yields", async () => {
    const adapter = await secondAdapter({ MLLP_PORT: '0', HL7_FACILITY_MAP: 'HOSP1=TZFAC', HL7_TIME_ZONE_MAP: 'TZFAC=America/Denver' });
    try {
      const sender = await connectNodeHl7Client({ port: adapter.listener.address.plain!.port });
      try {
        expect((await sender.send(rds('TZ-1'))).code).toBe('AA');
      } finally {
        await sender.close();
      }
    } finally {
      await adapter.stop();
    }
    // RXD-3 20261121101000 has no offset: 10:10 in Denver in November (UTC-7); the default gateway reads it as UTC.
    const [row] = await ledger('TZFAC');
    expect(row!.event).toMatchObject({ source: { message_id: 'TZ-1' }, occurred_at: '2026-11-21T17:10:00.000Z' });
    await expect(secondAdapter({ MLLP_PORT: '0', HL7_FACILITY_MAP: 'HOSP1=TZFAC', HL7_TIME_ZONE_MAP: 'TZFCA=America/Denver' })).rejects.toThrow(/"TZFCA" has a time zone but the facility rule never gives it/);
  });

  it('takes only production messages by default: a training message is answered AR with ERR 202 at MSH-11 and kept', async () => {
    const adapter = await secondAdapter({ MLLP_PORT: '0', HL7_FACILITY_MAP: 'HOSP1=HOSP1' });
    try {
      const sender = await connectNodeHl7Client({ port: adapter.listener.address.plain!.port });
      try {
        const training = await sender.send(rds('PROC-T').replace('|PROC-T|P|2.5', '|PROC-T|T|2.5'));
        expect(training.code).toBe('AR');
        const err = training.text.split('\r').find((segment) => segment.startsWith('ERR|'))!.split('|');
        expect(err[2]).toBe('MSH^1^11');
        expect(err[3]!.split('^')[0]).toBe('202');
        expect((await sender.send(rds('PROC-P'))).code).toBe('AA');
      } finally {
        await sender.close();
      }
      const kept = await listQuarantine(gw.bus, { limit: 500, adapter: 'hl7v2', reason: 'processing_id' });
      expect(kept.entries.map((e) => e.source?.message_id)).toContain('PROC-T');
      const ids = (await ledger('HOSP1')).map((r) => r.event.source.message_id);
      expect(ids).toContain('PROC-P');
      expect(ids).not.toContain('PROC-T');
    } finally {
      await adapter.stop();
    }
  });

  it('keeps, records or refuses messages it does not translate as HL7_UNHANDLED says: a refused SIU is answered AR 200 and kept in quarantine, an MDM recorded without its text', async () => {
    const adapter = await secondAdapter({ MLLP_PORT: '0', HL7_FACILITY_MAP: 'HOSP1=HOSP1,REDDING HOSPITAL=REDDING', HL7_UNHANDLED: 'SIU=refuse,ADT^A35=refuse,*=record' });
    // The MDM^T02 of the corpus: a transcribed document (its text in OBX-5) with the patient's name and address.
    // Its own MSH-10: the corpus test sends the file as it is to the same bus, and a repeat would make no new event.
    const mdm = readCorpusText('hl7v2tofhir__Message.hl7_MDM_T02.txt').replace(/\r?\n/g, '\r').trim().replace('|10819306|', '|UNH-MDM|');
    const siu = ['MSH|^~\\&|SCHED|HOSP1|RXGATE|PHARM|20261121100000||SIU^S12^SIU_S12|UNH-SIU|P|2.5', 'SCH|10001^SCHED||||||ROUTINE', `PID|1||${MRN}^^^HOSP1^MR||${RDS_PATIENT.family}^Ann`].join('\r');
    const a35 = ['MSH|^~\\&|ADT|HOSP1|RXGATE|PHARM|20261121100000||ADT^A35^ADT_A30|UNH-A35|P|2.5', 'EVN|A35|20261121100000', `PID|1||${MRN}^^^HOSP1^MR||${RDS_PATIENT.family}^Ann`].join('\r');
    try {
      const sender = await connectNodeHl7Client({ port: adapter.listener.address.plain!.port });
      try {
        const refused = await sender.send(siu);
        expect(refused.code).toBe('AR');
        const err = refused.text.split('\r').find((segment) => segment.startsWith('ERR|'))!.split('|');
        expect(err[2]).toBe('MSH^1^9^1'); // ERL: segment, its sequence, field, repetition
        expect(err[3]!.split('^')[0]).toBe('200');
        const refusedTrigger = await sender.send(a35);
        expect(refusedTrigger.code).toBe('AR');
        expect(refusedTrigger.text.split('\r').find((segment) => segment.startsWith('ERR|'))!.split('|')[3]!.split('^')[0]).toBe('201');
        expect((await sender.send(mdm)).code).toBe('AA');
        expect((await sender.send(rds('UNH-RDS'))).code).toBe('AA');
      } finally {
        await sender.close();
      }
      const kept = await listQuarantine(gw.bus, { limit: 500, adapter: 'hl7v2', reason: 'unsupported_type' });
      expect(kept.entries.map((e) => e.source?.message_id).sort()).toEqual(['UNH-A35', 'UNH-SIU']);
      const hosp1 = (await ledger('HOSP1')).map((r) => r.event.source.message_id);
      expect(hosp1).toContain('UNH-RDS');
      expect(hosp1).not.toContain('UNH-SIU');
      expect(hosp1).not.toContain('UNH-A35');
      const [recorded] = (await ledger('REDDING')).filter((r) => r.event.source.message_id === 'UNH-MDM');
      expect(recorded!.event).toMatchObject({ type: 'hl7v2.unhandled', source: { sender: 'HIE^REDDING HOSPITAL' }, payload: { message_type: 'MDM^T02' } });
      expect(recorded!.event.payload).not.toHaveProperty('raw');
      expect(recorded!.event.source.raw_sha256).toBe(createHash('sha256').update(mdm, 'latin1').digest('hex'));
      expect(JSON.stringify(recorded)).not.toMatch(/TESTING RD|BOULDER|000322330/);
    } finally {
      await adapter.stop();
    }
  });

  it('over mutual TLS, lets a client certificate speak only for the senders the allow-list gives its CN', async () => {
    const certs = await makeTestCertificates();
    const adapter = await secondAdapter({
      MLLP_PORT: '0',
      MLLP_TLS_PORT: '0',
      MLLP_TLS_CERT: certs.serverCert,
      MLLP_TLS_KEY: certs.serverKey,
      MLLP_TLS_CA: certs.caCert,
      MLLP_ALLOWED_SENDERS: `${CLIENT_CN}=PHARM^HOSP1`,
      HL7_FACILITY_MAP: 'HOSP1=HOSP1',
    });
    try {
      const port = adapter.listener.address.tls!.port;
      const tlsOptions = { ca: readFileSync(certs.caCert), cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey), servername: 'localhost' };
      const sender = await connectNodeHl7Client({ port, tls: tlsOptions });
      try {
        expect((await sender.send(rds('TLS-1'))).code).toBe('AA');
        // The same certificate claiming another facility is refused, and the message kept.
        const other = await sender.send(rds('TLS-2').replace('|PHARM|HOSP1|', '|PHARM|HOSP9|'));
        expect(other.code).toBe('AR');
        expect(other.text).toMatch(/ERR\|\|MSH\^1\^3/);
      } finally {
        await sender.close();
      }
      const kept = await listQuarantine(gw.bus, { limit: 500, adapter: 'hl7v2', reason: 'sender_not_allowed' });
      expect(kept.entries.length).toBeGreaterThanOrEqual(1);

      // `gateway mllp-send` speaks mutual TLS too, presenting the same client certificate.
      const file = join(certs.dir, 'tls-cli.hl7');
      writeFileSync(file, rds('TLS-CLI'));
      const printed: string[] = [];
      const log = console.log;
      console.log = (line: string) => void printed.push(line);
      try {
        // No --port: with TLS it goes to the gateway's MLLP_TLS_PORT, not MLLP_PORT.
        const args = [file, '--ca', certs.caCert, '--cert', certs.clientCert, '--key', certs.clientKey, '--servername', 'localhost'];
        expect(await mllpSend(args, { host: '127.0.0.1', port: 1, tlsPort: port })).toBe(0);
      } finally {
        console.log = log;
      }
      expect(printed).toEqual([`${file}: AA TLS-CLI`]);
      await expect(mllpSend([file, '--cert', certs.clientCert], { host: '127.0.0.1', port })).rejects.toThrow('--cert and --key go together');

      // A client without a certificate does not get through the handshake at all.
      const refused = await new Promise<string>((resolve) => {
        const socket = tlsConnect({ port, host: '127.0.0.1', ca: readFileSync(certs.caCert), servername: 'localhost' }, () => {
          socket.write(frame(new TextEncoder().encode(rds('TLS-3'))));
        });
        socket.on('data', () => resolve('answered'));
        socket.on('error', (e) => resolve(`error: ${e.message}`));
        socket.on('close', () => resolve('closed'));
      });
      expect(refused).not.toBe('answered');
    } finally {
      await adapter.stop();
      await certs.remove();
    }
  });

  it('sends files with `gateway mllp-send` and reports each ACK', async () => {
    const printed: string[] = [];
    const log = console.log;
    console.log = (line: string) => void printed.push(line);
    try {
      const code = await mllpSend([join(CORPUS, 'msfhirconv__RDS-O13-01.hl7'), join(CORPUS, 'msfhirconv__RDE-O11-01.hl7')], { host: '127.0.0.1', port: gw.mllp.port! });
      expect(code).toBe(0);
    } finally {
      console.log = log;
    }
    expect(printed).toEqual([expect.stringMatching(/RDS-O13-01\.hl7: AA MSG00001$/), expect.stringMatching(/RDE-O11-01\.hl7: AA MSG00001$/)]);
  });

  it('sends an archive file of several messages one by one with `gateway mllp-send`, bytes unchanged (ISO 8859-1), and a batch file whole', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rxgate-mllp-send-'));
    try {
      // LF line ends and a blank line between messages, as an export keeps them; the second declares ISO 8859-1
      // (MSH-18) and holds "crème" as the single byte 0xE8; the third is no HL7 message.
      const utf8 = rds('SEND-1').replaceAll('\r', '\n');
      const latin1 = rds('SEND-2', '00591-0369-01', '||||||8859/1').replace('Hydrocodone 5mg/APAP 325mg', 'Hydrocodone crème').replaceAll('\r', '\n');
      const archive = join(dir, 'archive.hl7');
      writeFileSync(archive, Buffer.concat([Buffer.from(`${utf8}\n\n`), Buffer.from(`${latin1}\n`, 'latin1'), Buffer.from('MSH|\nPID|1\n')]));
      const printed: string[] = [];
      const log = console.log;
      console.log = (line: string) => void printed.push(line);
      try {
        const code = await mllpSend([archive, join(CORPUS, 'rubyhl7__realm_realm-batch.hl7')], { host: '127.0.0.1', port: gw.mllp.port! });
        expect(code).toBe(1); // the third message could not be sent
      } finally {
        console.log = log;
      }
      expect(printed).toEqual([
        `${archive} #1: AA SEND-1`,
        `${archive} #2: AA SEND-2`,
        expect.stringMatching(new RegExp(`^${archive} #3: not sent, not an HL7 message we can read: `)),
        expect.stringMatching(/realm-batch\.hl7: batch \(no acknowledgements asked for\) /),
      ]);
      const [row] = (await ledger('HOSP1')).filter((r) => r.event.source.message_id === 'SEND-2');
      expect((row!.event.payload.codes as { display?: string }[])[0]!.display).toBe('Hydrocodone crème');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reads a patient's and a stay's history in the ledger by their tokens, which POST /api/tokens gives for the MRN and the visit number", async () => {
    const mrn = 'ZZHIST-MRN-77';
    const visit = 'ZZHIST-VISIT-5';
    const message = (controlId: string, rx: string, visitNumber: string) =>
      [
        `MSH|^~\\&|PHARM|HOSP1|EHR|HOSP1|20261121101500||RDS^O13^RDS_O13|${controlId}|P|2.5`,
        `PID|1||${mrn}^^^HOSP1^MR||ZZHISTORY^PAT`,
        `PV1|1|I|4W^412^B^HOSP1${'|'.repeat(16)}${visitNumber}^^^HOSP1^VN`,
        'ORC|RE|ORD-H',
        `RXD|1|00591-0369-01^Hydrocodone^NDC|20261121101000|30|TAB||${rx}`,
      ].join('\r');
    const sender = await connectNodeHl7Client({ port: gw.mllp.port! });
    try {
      expect((await sender.send(message('HIST-1', 'RX-H1', visit))).code).toBe('AA');
      expect((await sender.send(message('HIST-2', 'RX-H2', 'ZZHIST-VISIT-6'))).code).toBe('AA');
    } finally {
      await sender.close();
    }
    const api = async (method: string, path: string, token: string, body?: unknown) => {
      const res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const patient = await api('POST', '/api/tokens', COMPLIANCE, { patient: { value: mrn, authority: 'HOSP1', type: 'MR' } });
    expect(patient).toEqual({ status: 200, body: { patient_ref: expect.stringMatching(/^pt_[0-9a-f]{64}$/), known: true, merged_from: [] } });
    const stay = await api('POST', '/api/tokens', COMPLIANCE, { encounter: { value: visit, authority: 'HOSP1' } });
    expect(stay).toEqual({ status: 200, body: { encounter_ref: expect.stringMatching(/^enc_[0-9a-f]{64}$/), known: true } });

    const rx = async (query: string) =>
      ((await api('GET', `/api/ledger?${query}`, COMPLIANCE)).body.entries as { event: { payload: { prescription_number: string } } }[]).map((e) => e.event.payload.prescription_number);
    expect(await rx(`patient_ref=${patient.body.patient_ref}`)).toEqual(['RX-H1', 'RX-H2']);
    expect(await rx(`encounter_ref=${stay.body.encounter_ref}`)).toEqual(['RX-H1']);
    expect(await rx(`patient_ref=${patient.body.patient_ref}&encounter_ref=${stay.body.encounter_ref}`)).toEqual(['RX-H1']);

    // An identifier the gateway never received has a token all the same, and no history.
    const stranger = await api('POST', '/api/tokens', COMPLIANCE, { patient: { value: 'ZZNOBODY', authority: 'HOSP1', type: 'MR' } });
    expect(stranger.body.known).toBe(false);
    expect(await rx(`patient_ref=${stranger.body.patient_ref}`)).toEqual([]);
    // Several tokens at once (a patient and those merged into them: merged_from), separated by commas.
    expect(await rx(`patient_ref=${stranger.body.patient_ref},${patient.body.patient_ref}`)).toEqual(['RX-H1', 'RX-H2']);
    expect((await api('GET', `/api/ledger?patient_ref=${patient.body.patient_ref},MRN1234`, COMPLIANCE)).status).toBe(422);
    // Only those who may read the ledger may ask; a bad request names its field.
    expect((await api('POST', '/api/tokens', ANALYST, { patient: { value: mrn } })).status).toBe(403);
    const bad = await api('POST', '/api/tokens', COMPLIANCE, { patient: { authority: 'HOSP1', value: '' } });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).toContain('patient');
    expect((await api('POST', '/api/tokens', COMPLIANCE, { patient: { value: mrn }, encounter: { value: visit } })).status).toBe(422);
    expect((await api('GET', '/api/ledger?patient_ref=MRN1234', COMPLIANCE)).status).toBe(422);
    expect(logLines.join('\n')).not.toMatch(/ZZHIST-MRN-77|ZZHIST-VISIT-5|ZZNOBODY/);

    // The same from the command line, as a compliance officer would ask it.
    const printed: string[] = [];
    const out = vi.spyOn(console, 'log').mockImplementation((line: string) => void printed.push(line));
    const err = vi.spyOn(console, 'error').mockImplementation((line: string) => void printed.push(line));
    vi.stubEnv('GATEWAY_URL', baseUrl);
    vi.stubEnv('GATEWAY_TOKEN', COMPLIANCE);
    try {
      expect(await cli(['history', '--patient', mrn, '--authority', 'HOSP1', '--type', 'MR'])).toBe(0);
      const answer = JSON.parse(printed.at(-1)!) as { patient_ref: string; known: boolean; entries: { event: { payload: { prescription_number: string } } }[] };
      expect(answer).toMatchObject({ patient_ref: patient.body.patient_ref, known: true, merged_from: [] });
      expect(answer.entries.map((e) => e.event.payload.prescription_number)).toEqual(['RX-H1', 'RX-H2']);
      expect(await cli(['history', '--visit', visit, '--authority', 'HOSP1'])).toBe(0);
      expect((JSON.parse(printed.at(-1)!) as typeof answer).entries.map((e) => e.event.payload.prescription_number)).toEqual(['RX-H1']);
      expect(await cli(['history', '--authority', 'HOSP1'])).toBe(2);
      expect(printed.at(-1)).toMatch(/history needs either --patient ID or --visit ID/);
    } finally {
      out.mockRestore();
      err.mockRestore();
      vi.unstubAllEnvs();
    }
    // `-` reads the identifier from standard input, so that it stays out of the shell's history and `ps`.
    const child = execFile(process.execPath, [join(import.meta.dirname, '../../bin/gateway.js'), 'history', '--patient', '-', '--authority', 'HOSP1', '--type', 'MR'], {
      env: { ...process.env, GATEWAY_URL: baseUrl, GATEWAY_TOKEN: COMPLIANCE, LOG_LEVEL: 'silent' },
      timeout: 30_000,
    });
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stdin!.end(`${mrn}\n`);
    expect(await new Promise((resolve) => child.on('close', resolve))).toBe(0);
    expect((JSON.parse(stdout) as { patient_ref: string }).patient_ref).toBe(patient.body.patient_ref);
  });

  it('logs correlation ids and never a patient identifier', () => {
    expect(logLines.length).toBeGreaterThan(5);
    for (const line of logLines) {
      expect(line).not.toContain(MRN);
      expect(line).not.toContain(RDS_PATIENT.family);
    }
    const accepted = logLines.map((l) => JSON.parse(l) as { msg: string; correlation_id?: string }).filter((l) => l.msg === 'hl7 message accepted');
    expect(accepted.length).toBeGreaterThan(3);
    for (const l of accepted) expect(l.correlation_id).toBeTruthy();
  });
});
