import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import type { RunningGateway } from '../../gateway/main.ts';
import { listLedger } from '../../gateway/store/ledger.ts';
import { startTestGateway } from '../../gateway/test-support.ts';
import { frame } from './mllp/framing.ts';
import { connectNodeHl7Client } from './mllp/testkit/node-hl7-client-sender.ts';
import { startNodeHl7ServerPeer, type NodeHl7ServerPeer } from './mllp/testkit/node-hl7-server-peer.ts';
import { openRawSocket } from './mllp/testkit/raw-socket.ts';
import { startWireCapture, wireCaptureUnavailable, wireField, type WireMessage } from './mllp/testkit/wireshark.ts';
import { handWrittenRds, RDS_PATIENT } from './testing/rds-message.ts';

/**
 * What crosses the wire, read by Wireshark's HL7 dissector (tshark), which shares no code with ours: node-hl7-client
 * sends dispenses to the real gateway, which forwards them to the facility's EHR (node-hl7-server); every frame both
 * ways is captured on loopback and decoded by tshark. Expectations come from the messages sent and the standard
 * (HL7 v2.5 chapter 2 for the ACK, MSA and ERR, §4.13.5 for RDS^O13 and the README's outbound field table), not from our
 * parser, so a framing, delimiter or escaping mistake shows even where our own reader would agree with our writer.
 */

const unavailable = wireCaptureUnavailable();
if (unavailable) console.warn(`Wireshark wire tests skipped: ${unavailable}`);

/** RXD-2's text as the pharmacy sends it: `\T\` is `&` and `\F\` is `|` (v2.5 §2.7, escape sequences), both live separators. */
const ESCAPED_DRUG_TEXT = 'Hydrocodone 5mg\\T\\APAP 325mg\\F\\tablet';

describe.skipIf(unavailable !== undefined)('HL7 v2 on the wire, as Wireshark reads it', () => {
  let gw: RunningGateway;
  let stop: () => Promise<void>;
  let ehr: NodeHl7ServerPeer;
  let wire: WireMessage[];

  const mllpPort = () => gw.mllp.port!;
  const fromGateway = (controlId: string) =>
    wire.filter((m) => m.from === mllpPort() && wireField(m, 'MSA', 2) === controlId);

  beforeAll(async () => {
    ehr = await startNodeHl7ServerPeer();
    ({ gw, stop } = await startTestGateway({
      HL7_FACILITY_MAP: 'HOSP1=HOSP1',
      HL7_OUTBOUND_TARGETS: `HOSP1=127.0.0.1:${ehr.port},app=EPIC,facility=HOSP1`,
      HL7_OUTBOUND_FACILITY: 'PHARM1',
    }));
    const ctx = { actor: 'analyst:test', reason: 'test fixture' };
    await gw.mappings.service.create('drugs', { ndc11: '00591-0369-01', description: 'Hydrocodone/APAP 5/325 tablet' }, ctx);
    await gw.mappings.service.create('schedules', { ndc11: '00591036901', schedule: 'II' }, ctx);

    const capture = await startWireCapture([mllpPort(), ehr.port], async () => {
      const probe = connect({ host: '127.0.0.1', port: mllpPort() });
      await new Promise<void>((resolve) => probe.once('connect', resolve).once('error', () => resolve()));
      probe.destroy();
    });
    try {
      const sender = await connectNodeHl7Client({ port: mllpPort() });
      try {
        expect((await sender.send(handWrittenRds('WIRE-1').replace('Hydrocodone 5mg/APAP 325mg', ESCAPED_DRUG_TEXT))).code).toBe('AA');
        expect((await sender.send(handWrittenRds('WIRE-2', '00591-0369-01', '|||AL|NE'))).code).toBe('CA');
      } finally {
        await sender.close();
      }
      // What node-hl7-client cannot send: other delimiters, and a message our parser must refuse.
      const raw = await openRawSocket(mllpPort());
      const otherDelimiters = handWrittenRds('WIRE-3').replaceAll('|', '#').replaceAll('^', '$').replace('MSH#$~\\&', 'MSH#$%!@');
      await raw.write(frame(new TextEncoder().encode(otherDelimiters)));
      const secondHeader = `${handWrittenRds('WIRE-4')}\rMSH|^~\\&|PHARM|HOSP1|EHR|HOSP1|20261121101500||RDS^O13^RDS_O13|WIRE-5|P|2.5`;
      await raw.write(frame(new TextEncoder().encode(secondHeader)));
      await raw.waitForAnswers(2, 15_000);
      raw.socket.destroy();
      // The dispenses reach the EHR (WIRE-1 to WIRE-3; WIRE-4 was refused).
      const until = Date.now() + 20_000;
      while (ehr.received.length < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    } finally {
      wire = await capture.stop();
    }
  }, 120_000);

  afterAll(async () => {
    await stop?.();
    await ehr?.close();
  });

  it('finds one ACK for each message, framed 0x0B … 0x1C 0x0D, with MSA-2 naming it and the MSH mirrored', () => {
    const [ack] = fromGateway('WIRE-1');
    expect(fromGateway('WIRE-1')).toHaveLength(1);
    expect(ack!.startBlock).toBe('0b');
    expect(ack!.endBlock).toBe('1c0d');
    expect(ack!.segments.map((s) => s.name)).toEqual(['MSH', 'MSA']);
    // Sender and receiver swap places; the version and processing id are the message's own (v2.5 §2.9).
    expect([2, 3, 4, 5, 6, 11, 12].map((n) => wireField(ack!, 'MSH', n))).toEqual(['^~\\&', 'EHR', 'HOSP1', 'PHARM', 'HOSP1', 'P', '2.5']);
    expect(wireField(ack!, 'MSH', 9)).toBe('ACK^O13^ACK');
    expect(wireField(ack!, 'MSH', 10)).toMatch(/^\S{1,20}$/);
    expect(wireField(ack!, 'MSH', 10)).not.toBe('WIRE-1');
    expect(wireField(ack!, 'MSA', 1)).toBe('AA');
  });

  it('answers an enhanced-mode message that asks for a commit ACK only with exactly one CA', () => {
    const acks = fromGateway('WIRE-2');
    expect(acks.map((a) => wireField(a, 'MSA', 1))).toEqual(['CA']);
  });

  it('writes the ACK to a message with other delimiters in those delimiters', () => {
    const [ack] = fromGateway('WIRE-3');
    expect(ack, 'Wireshark found no ACK naming WIRE-3').toBeDefined();
    expect(wireField(ack!, 'MSH', 2)).toBe('$%!@');
    expect(wireField(ack!, 'MSH', 9)).toBe('ACK$O13$ACK');
    expect(wireField(ack!, 'MSA', 1)).toBe('AA');
  });

  it('refuses a second MSH with AR and an ERR that Wireshark reads as code 100 of table 0357, severity E', () => {
    const [ack] = fromGateway('WIRE-4');
    expect(ack, 'Wireshark found no ACK naming WIRE-4').toBeDefined();
    expect(wireField(ack!, 'MSA', 1)).toBe('AR');
    const err = ack!.segments.find((s) => s.name === 'ERR');
    expect(err, 'no ERR segment').toBeDefined();
    // ERR-2 the location (segment^sequence), ERR-3 the code (CWE: code^text^HL70357), ERR-4 the severity.
    expect(err!.fields.get(2)).toMatch(/^MSH\^2(\^|$)/);
    expect(err!.fields.get(3)).toMatch(/^100\^[^^]+\^HL70357$/);
    expect(err!.fields.get(4)).toBe('E');
  });

  it('sends the EHR an RDS^O13 per dispense, framed, whose fields Wireshark reads as the dispense that came in', async () => {
    const toEhr = wire.filter((m) => m.to === ehr.port);
    expect(toEhr.map((m) => wireField(m, 'RXD', 7))).toEqual(['RX-778', 'RX-778', 'RX-778']);
    const [first] = toEhr;
    expect(first!.startBlock).toBe('0b');
    expect(first!.endBlock).toBe('1c0d');
    expect(first!.segments.map((s) => s.name)).toEqual(['MSH', 'PID', 'ORC', 'RXD']);
    // MSH-3/4 ours (HL7_OUTBOUND_APP's default, HL7_OUTBOUND_FACILITY), MSH-5/6 the target's app= and facility=.
    expect([2, 3, 4, 5, 6, 9, 11, 12].map((n) => wireField(first!, 'MSH', n))).toEqual(['^~\\&', 'RXGATE', 'PHARM1', 'EPIC', 'HOSP1', 'RDS^O13^RDS_O13', 'P', '2.5']);
    expect(wireField(first!, 'MSH', 10)).toMatch(/^RX[0-9A-F]{18}$/);
    expect(wireField(first!, 'PID', 3)).toBe(`${RDS_PATIENT.mrn}^^^HOSP1^MR`);
    expect(wireField(first!, 'PID', 5)).toBe(`${RDS_PATIENT.family}^PATIENT`);
    expect(wireField(first!, 'ORC', 1)).toBe('RE');
    // The text arrived escaped and leaves escaped: unescaped, its `|` would have shifted every later RXD field.
    expect(wireField(first!, 'RXD', 2)).toBe(`00591-0369-01^${ESCAPED_DRUG_TEXT}^NDC`);
    expect(wireField(first!, 'RXD', 3)).toBe('20261121101000+0000');
    expect(wireField(first!, 'RXD', 4)).toBe('30');
    expect(wireField(first!, 'RXD', 5)?.split('^')[0]).toBe('TAB');
    expect(wireField(first!, 'RXD', 18)).toBe('LOT-9');
    expect(wireField(first!, 'RXD', 19)).toBe('20271231');
    // Each went once, and the EHR answered each (node-hl7-server ends its last segment without a CR, so Wireshark
    // shows its ACK's MSH and not its MSA: which message each answers is the outbound client's to check, and is).
    expect(new Set(toEhr.map((m) => wireField(m, 'MSH', 10))).size).toBe(3);
    const answers = wire.filter((m) => m.from === ehr.port);
    expect(answers.map((a) => wireField(a, 'MSH', 9))).toEqual(['ACK^O13^ACK_O13', 'ACK^O13^ACK_O13', 'ACK^O13^ACK_O13']);
    const ledger = (await listLedger(gw.store, { facility: 'HOSP1', limit: 100 })).entries.map((r) => r.event.source.message_id);
    expect(ledger.sort()).toEqual(['WIRE-1', 'WIRE-2', 'WIRE-3']);
  });
});
