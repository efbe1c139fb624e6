import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main as cli } from '../../../gateway/cli/main.ts';
import { freeLoopbackPort } from '../../../gateway/bus/embedded-nats.ts';
import { createLogger } from '../../../gateway/log.ts';
import type { RunningGateway } from '../../../gateway/main.ts';
import { startTestGateway } from '../../../gateway/test-support.ts';
import { listLedger } from '../../../gateway/store/ledger.ts';
import { patientToken } from '../../../gateway/phi/token.ts';
import type { Hl7Message } from '../message.ts';
import { frame } from '../mllp/framing.ts';
import { connectNodeHl7Client } from '../mllp/testkit/node-hl7-client-sender.ts';
import { startNodeHl7ServerPeer, type NodeHl7ServerPeer } from '../mllp/testkit/node-hl7-server-peer.ts';
import { minimalAck } from '../mllp/testkit/minimal-ack.ts';
import { openRawSocket } from '../mllp/testkit/raw-socket.ts';
import { startScriptedPeer, type ScriptedPeer } from '../mllp/testkit/scripted-peer.ts';
import { parseMessage } from '../parse.ts';
import { controlIdForEvent } from './rds-builder.ts';
import { parseOutboundTargets } from './targets.ts';
import { startOutboundWorkers } from './worker.ts';

/**
 * Outbound to EHRs end to end: the real gateway (real NATS JetStream, real PostgreSQL, real MLLP listener), dispense
 * events posted to POST /api/events, EHR peers that receive them over MLLP: node-hl7-server 2.4.0 (a third-party
 * receiver) where a well-behaved EHR is enough, the hand-written scripted peer for AE answers and late ACKs.
 */

const SYSTEM = 'system-token-0123456789';
const ANALYST = 'analyst-token-0123456789';
const COMPLIANCE = 'compliance-token-0123456789';
const MRN = 'ZZMRN7788';
const NAME = 'ZZOUTBOUND';
const NDC = '00591036901';

async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('HL7 v2 outbound to EHRs, end to end', () => {
  let gw: RunningGateway;
  let stopGateway: () => Promise<void>;
  let ehr: NodeHl7ServerPeer; // FACOK: EPIC^HOSP1, answers AA
  let refusing: ScriptedPeer; // FACAE: answers AE (or AA once told to)
  let late: ScriptedPeer; // FACLATE: answers some frames after the timeout
  let latin1: ScriptedPeer; // FACL1: reads ISO 8859-1 (charset=8859/1), answers AA
  let enhanced: ScriptedPeer; // FACENH: enhanced mode (ack=enhanced): CA to a message that asks for a commit ACK only, else AE
  let down: NodeHl7ServerPeer | undefined; // FACDOWN: not there at first
  let downPort: number;
  let aeMode: 'AE' | 'AA' | 'HANGUP' = 'AE';
  const lateAnswers = new Map<string, number>();
  const logLines: string[] = [];
  let patientRef: string;
  let seq = 0;

  beforeAll(async () => {
    ehr = await startNodeHl7ServerPeer();
    refusing = await startScriptedPeer(({ payload }) => (aeMode === 'HANGUP' ? { delayMs: 300, close: true } : { answers: [minimalAck(payload, aeMode)] }));
    // The first frame of each message (and every frame of RX-NEVER) is answered with an AE after the client's
    // timeout: were a late answer ever read, the message would be counted as refused.
    late = await startScriptedPeer(({ payload }) => {
      const message = parseMessage(payload);
      const seen = lateAnswers.get(message.controlId) ?? 0;
      lateAnswers.set(message.controlId, seen + 1);
      const always = message.segment('RXD')?.get(7) === 'RX-NEVER';
      return seen === 0 || always ? { delayMs: 500, answers: [minimalAck(payload, 'AE')] } : { answers: [minimalAck(payload, 'AA')] };
    });
    latin1 = await startScriptedPeer(({ payload }) => ({ answers: [minimalAck(payload, 'AA')] }));
    enhanced = await startScriptedPeer(({ payload }) => {
      const message = parseMessage(payload);
      return { answers: [minimalAck(payload, message.msh.get(15) === 'AL' && message.msh.get(16) === 'NE' ? 'CA' : 'AE')] };
    });
    downPort = await freeLoopbackPort();
    ({ gw, stop: stopGateway } = await startTestGateway(
      {
        AUTH_TOKENS: `system:${SYSTEM},analyst:${ANALYST},compliance:${COMPLIANCE}`,
        HL7_FACILITY_MAP: 'HOSP1=FACOK',
        MAX_DELIVER: '2',
        HL7_OUTBOUND_TARGETS: [
          `FACOK=127.0.0.1:${ehr.port},app=EPIC,facility=HOSP1`,
          `FACAE=127.0.0.1:${refusing.port},app=EHR2`,
          `FACLATE=127.0.0.1:${late.port},app=EHR3`,
          `FACDOWN=127.0.0.1:${downPort},app=EHR4`,
          `FACL1=127.0.0.1:${latin1.port},app=EHR5,charset=8859/1`,
          `FACENH=127.0.0.1:${enhanced.port},app=EHR6,ack=enhanced`,
        ].join(';'),
        HL7_OUTBOUND_FACILITY: 'PHARM1',
        HL7_OUTBOUND_ANSWER_TIMEOUT_MS: '250',
        HL7_OUTBOUND_CONNECT_TIMEOUT_MS: '500',
        HL7_OUTBOUND_RETRY_ATTEMPTS: '2',
        HL7_OUTBOUND_RETRY_DELAY_MS: '50',
        LOG_LEVEL: 'debug',
      },
      createLogger('debug', { write: (line: string) => void logLines.push(line) }),
    ));
    const ctx = { actor: 'analyst:test', reason: 'test fixture' };
    await gw.mappings.service.create('drugs', { ndc11: '00591-0369-01', description: 'Hydrocodone/APAP 5/325 tablet' }, ctx);
    await gw.mappings.service.create('schedules', { ndc11: NDC, schedule: 'II' }, ctx);
    const mr = { authority: 'HOSP1', type: 'MR', value: MRN };
    patientRef = patientToken(gw.phi.keys.tokenKey, mr);
    await gw.phi.vault.put(patientRef, {
      identifiers: [mr, { authority: 'USSSA', type: 'SS', value: '999-88-7777' }],
      demographics: { family_name: NAME, given_name: 'PAT', birth_date: '1970-02-03', sex: 'F' },
    });
  });

  afterAll(async () => {
    await stopGateway?.();
    await Promise.all([ehr?.close(), refusing?.close(), late?.close(), latin1?.close(), enhanced?.close(), down?.close()]);
  });

  const call = async (method: string, path: string, token: string, body?: unknown) =>
    fetch(`http://127.0.0.1:${gw.httpPort}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? null : JSON.stringify(body),
    });

  /** Posts a canonical dispense (or reversal) of the vault's patient; resolves with the MSH-10 it will be sent under. */
  const post = async (facility: string, overrides: { type?: string; rx?: string; patient_ref?: string; amount?: number } = {}) => {
    const n = ++seq;
    const res = await call('POST', '/api/events', SYSTEM, {
      type: overrides.type ?? 'rx.dispense',
      facility_id: facility,
      occurred_at: '2026-11-21T10:10:00.000Z',
      source: { adapter: 'pharmacy-system', sender: 'PHARM1', message_id: `D-${n}` },
      drug: { ndc11: NDC, schedule: 'II', lot: 'LOT-9', expiry: '2027-12-31' },
      quantity: { value: overrides.amount ?? 30, unit: 'TAB' },
      patient_ref: overrides.patient_ref ?? patientRef,
      payload: {
        order: { placer: `ORD-${n}` },
        prescription_number: overrides.rx ?? `RX-${n}`,
        codes: [{ code: '00591-0369-01', display: 'Hydrocodone 5mg/APAP 325mg', system: 'NDC' }],
        dispensing_provider: { id: '1234567893', id_type: 'NPI' },
      },
    });
    expect(res.status).toBe(202);
    const { event_id } = (await res.json()) as { event_id: string };
    return controlIdForEvent(event_id);
  };

  const receivedBy = (peer: { received: string[] }, controlId: string): Hl7Message[] =>
    peer.received.map((text) => parseMessage(text)).filter((m) => m.controlId === controlId);

  const outcomes = async (target: string) => {
    const { values } = await gw.metrics.hl7Outbound.get();
    return Object.fromEntries(values.filter((v) => v.labels.target === target).map((v) => [String(v.labels.outcome), v.value]));
  };

  type DlqEntry = { id: number; consumer: string; deliveries: number; failures: { error: string }[] };
  const deadLetters = async (consumer: string): Promise<DlqEntry[]> => {
    const res = await call('GET', '/api/dlq', ANALYST);
    return ((await res.json()) as { entries: DlqEntry[] }).entries.filter((e) => e.consumer === consumer);
  };

  /** The latest delivery outcome of the events of a sender's message, from GET /api/trace, once `settled` holds. */
  type Delivery = { target: string; outcome: string; ack: string | null; control_id: string | null; errors: string[] };
  const deliveryOf = async (messageId: string, settled: (d: Delivery) => boolean = () => true): Promise<Delivery> =>
    waitFor(`the delivery record of ${messageId}`, async () => {
      const res = await call('GET', `/api/trace?message_id=${encodeURIComponent(messageId)}`, ANALYST);
      const [d] = ((await res.json()) as { deliveries: Delivery[] }).deliveries;
      return d !== undefined && settled(d) && d;
    });

  it('sends a posted dispense to its facility’s EHR as RDS^O13 with the vault’s PID-3, the RXD values and ORC-1 RE', async () => {
    const controlId = await post('FACOK', { rx: 'RX-778' });
    const [m] = await waitFor('the RDS at the EHR', () => receivedBy(ehr, controlId).length > 0 && receivedBy(ehr, controlId));
    expect([m!.messageCode, m!.triggerEvent, m!.version, m!.msh.get(3), m!.msh.get(4), m!.msh.get(5), m!.msh.get(6)]).toEqual([
      'RDS',
      'O13',
      '2.5',
      'RXGATE',
      'PHARM1',
      'EPIC',
      'HOSP1',
    ]);
    const pid = m!.segment('PID')!;
    expect(pid.repetitions(3)).toBe(1); // the SSN is never sent
    expect([pid.get(3, 1), pid.get(3, 4), pid.get(3, 5), pid.get(5, 1), pid.get(7)]).toEqual([MRN, 'HOSP1', 'MR', NAME, '19700203']);
    expect(m!.segment('ORC')!.get(1)).toBe('RE');
    const rxd = m!.segment('RXD')!;
    expect([rxd.get(2, 1), rxd.get(2, 3), rxd.get(3), rxd.get(4), rxd.get(5), rxd.get(7), rxd.get(10, 1), rxd.get(18), rxd.get(19)]).toEqual([
      '00591-0369-01',
      'NDC',
      '20261121101000+0000',
      '30',
      'TAB',
      'RX-778',
      '1234567893',
      'LOT-9',
      '20271231',
    ]);
    expect(await waitFor('the sent count', async () => (await outcomes('FACOK')).sent)).toBe(1);
    // A trace of the pharmacy system's message shows where its dispense went, and the EHR's answer.
    expect(await deliveryOf(`D-${seq}`)).toEqual({ event_id: expect.any(String), target: 'FACOK', outcome: 'sent', ack: 'AA', control_id: controlId, errors: [], at: expect.any(String), attempts: 1 });
    // The EHR quotes the MSH-10 it got: a trace by it finds the dispense and the message it came from.
    const byOurs = (await (await call('GET', `/api/trace?message_id=${controlId}`, ANALYST)).json()) as {
      query: { message_id: string };
      sent_as: { control_id: string; event_id: string; message: { message_id: string; sender?: string; adapter?: string } };
      ledger: { event_id: string }[];
      deliveries: { control_id: string }[];
    };
    expect(byOurs.query).toEqual({ message_id: controlId });
    expect(byOurs.sent_as).toEqual({ control_id: controlId, event_id: byOurs.ledger[0]!.event_id, message: { message_id: `D-${seq}`, sender: 'PHARM1', adapter: 'pharmacy-system' } });
    expect(byOurs.deliveries.map((d) => d.control_id)).toEqual([controlId]);
  });

  it('sends a reversal with ORC-1 CA', async () => {
    const controlId = await post('FACOK', { type: 'rx.dispense.reversal', rx: 'RX-778' });
    const [m] = await waitFor('the reversal at the EHR', () => receivedBy(ehr, controlId).length > 0 && receivedBy(ehr, controlId));
    expect(m!.messageCode).toBe('RDS');
    expect(m!.segment('ORC')!.get(1)).toBe('CA');
    expect(m!.segment('RXD')!.get(7)).toBe('RX-778');
  });

  it('never sends an EHR its own dispenses back, but forwards those of other HL7 senders, with the visit number they came under', async () => {
    const rds = (sender: string, controlId: string, rx: string) =>
      [
        `MSH|^~\\&|${sender}|HOSP1|RXGATE|HOSP1|20261121101500||RDS^O13^RDS_O13|${controlId}|P|2.5`,
        `PID|1||${MRN}^^^HOSP1^MR||${NAME}^PAT`,
        `PV1|1|I|4W^412^B^HOSP1${'|'.repeat(16)}ZZVISIT-31^^^HOSP1^VN`, // PV1-19 visit number
        'ORC|RE|ORD-E',
        `RXD|1|00591-0369-01^Hydrocodone^NDC|20261121101000|30|TAB||${rx}`,
      ].join('\r');
    const before = ehr.received.length;
    const sender = await connectNodeHl7Client({ port: gw.mllp.port! });
    try {
      expect((await sender.send(rds('EPIC', 'ECHO-1', 'RX-ECHO'))).code).toBe('AA');
      expect((await sender.send(rds('PHARMSYS', 'FWD-1', 'RX-FWD'))).code).toBe('AA');
    } finally {
      await sender.close();
    }
    // One message at a time, in stream order: once the second is at the EHR, the first was either sent or skipped.
    await waitFor('the forwarded RDS', () => ehr.received.slice(before).some((t) => parseMessage(t).segment('RXD')?.get(7) === 'RX-FWD'));
    expect(ehr.received.slice(before).map((t) => parseMessage(t).segment('RXD')!.get(7))).toEqual(['RX-FWD']);
    // The visit reached the bus and the ledger as a token only, and the EHR gets its number back in PV1-19.
    const forwarded = parseMessage(ehr.received.slice(before)[0]!).segment('PV1')!;
    expect([forwarded.get(2), forwarded.get(3), forwarded.get(19)]).toEqual(['I', '4W', 'ZZVISIT-31']);
    expect(forwarded.get(19, 4)).toBe('HOSP1');
    expect(JSON.stringify((await listLedger(gw.store, { facility: 'FACOK', limit: 1000 })).entries)).not.toContain('ZZVISIT-31');
    expect((await outcomes('FACOK')).skipped_echo).toBe(1);
    expect(await deliveryOf('ECHO-1')).toMatchObject({ target: 'FACOK', outcome: 'skipped_echo', control_id: null, ack: null });
    expect(await deliveryOf('FWD-1')).toMatchObject({ outcome: 'sent', ack: 'AA' });
  });

  it('writes to an EHR in the character set it reads, and dead-letters a name that set cannot carry, naming the field', async () => {
    const patient = async (mrn: string, family: string) => {
      const mr = { authority: 'HOSP1', type: 'MR', value: mrn };
      const ref = patientToken(gw.phi.keys.tokenKey, mr);
      await gw.phi.vault.put(ref, { identifiers: [mr], demographics: { family_name: family, given_name: 'PAT' } });
      return ref;
    };
    const sent = await post('FACL1', { patient_ref: await patient('ZZMRN-L1', 'ZZRENÉE'), rx: 'RX-LATIN1' });
    const [log] = await waitFor('the RDS at the Latin-1 EHR', () => {
      const found = latin1.log.filter((l) => parseMessage(l.payload).controlId === sent);
      return found.length > 0 && found;
    });
    // ISO 8859-1 has É at 0xC9: one byte, where UTF-8 would have written two.
    expect(Buffer.from(log!.payload).includes(Buffer.from([0x5a, 0x5a, 0x52, 0x45, 0x4e, 0xc9, 0x45, 0x5e]))).toBe(true);
    const received = parseMessage(log!.payload);
    expect([received.charset, received.segment('PID')!.get(5, 1)]).toEqual(['8859/1', 'ZZRENÉE']);
    expect(await deliveryOf(`D-${seq}`)).toMatchObject({ target: 'FACL1', outcome: 'sent', ack: 'AA' });

    const refused = await post('FACL1', { patient_ref: await patient('ZZMRN-L2', 'ZZŁUKASZ'), rx: 'RX-LATIN2' });
    const [entry] = await waitFor('the dead letter', async () => {
      const found = await deadLetters('hl7-outbound-FACL1');
      return found.length > 0 && found;
    });
    expect(entry!.failures.map((f) => f.error)).toEqual([
      "OutboundBuildError: PID-5 holds a character that 8859/1 (the EHR's MSH-18) cannot carry",
      "OutboundBuildError: PID-5 holds a character that 8859/1 (the EHR's MSH-18) cannot carry",
    ]);
    expect(latin1.log.some((l) => parseMessage(l.payload).controlId === refused)).toBe(false);
    expect(logLines.some((line) => line.includes('ZZŁUKASZ') || line.includes('ZZRENÉE'))).toBe(false);
  });

  it('asks an EHR in enhanced mode for a commit ACK only, and takes its CA as the answer', async () => {
    const controlId = await post('FACENH', { rx: 'RX-ENH' });
    expect(await deliveryOf(`D-${seq}`, (d) => d.outcome !== 'unreachable')).toMatchObject({ target: 'FACENH', outcome: 'sent', ack: 'CA', control_id: controlId });
    expect(enhanced.log.filter((l) => parseMessage(l.payload).controlId === controlId)).toHaveLength(1);
  });

  it("records the enhanced-mode EHR's later application ACK with the dispense's delivery, only when the EHR itself sends it", async () => {
    const controlId = await post('FACENH', { rx: 'RX-APP' });
    const messageId = `D-${seq}`;
    expect(await deliveryOf(messageId, (d) => d.outcome === 'sent')).toMatchObject({ ack: 'CA', control_id: controlId });
    // The EHR applies the dispense later and says so in a message of its own, sent to our listener (by
    // node-hl7-client, asking for a commit ACK itself): AE, the patient's identifier not found.
    const appAck = (id: string, sender: string) =>
      [
        `MSH|^~\\&|${sender}||RXGATE|PHARM1|20261121101800||ACK^O13^ACK|${id}|P|2.5|||AL|NE`,
        `MSA|AE|${controlId}`,
        'ERR||PID^1^3|204^Unknown key identifier^HL70357|E',
      ].join('\r');
    const client = await connectNodeHl7Client({ port: gw.mllp.port! });
    try {
      // From another sender first: taken (and kept) like any message, but not the EHR's word on the dispense.
      expect((await client.send(appAck('APPACK-0', 'OTHERAPP'))).code).toBe('CA');
      expect((await client.send(appAck('APPACK-1', 'EHR6'))).code).toBe('CA');
    } finally {
      await client.close();
    }
    const delivery = (await deliveryOf(messageId, (d) => 'application_ack' in d)) as Delivery & { application_ack: unknown };
    expect(delivery).toMatchObject({ outcome: 'sent', ack: 'CA', control_id: controlId });
    expect(delivery.application_ack).toEqual({ code: 'AE', errors: ['code 204 at PID-3'], message_id: 'APPACK-1', at: expect.any(String) });
    expect((await outcomes('FACENH')).application_refused).toBe(1);
    // Once the EHR has fixed its side it applies the dispense and says so with the response v2.5 defines for
    // RDS^O13, an RRD^O14, in original mode (not answered: a response is not acknowledged).
    const socket = await openRawSocket(gw.mllp.port!);
    await socket.write(
      frame(
        new TextEncoder().encode(
          [`MSH|^~\\&|EHR6||RXGATE|PHARM1|20261121110000||RRD^O14^RRD_O14|APPACK-2|P|2.5`, `MSA|AA|${controlId}`, `PID|1||${MRN}^^^HOSP1^MR`, 'ORC|RE|ORD-1'].join('\r'),
        ),
      ),
    );
    const applied = (await deliveryOf(messageId, (d) => (d as { application_ack?: { message_id: string } }).application_ack?.message_id === 'APPACK-2')) as Delivery & {
      application_ack: unknown;
    };
    expect(applied.application_ack).toEqual({ code: 'AA', errors: [], message_id: 'APPACK-2', at: expect.any(String) });
    expect((await outcomes('FACENH')).application_accepted).toBe(1);
    // A message behind it on the same connection is answered, and its answer is the first one.
    await socket.write(frame(new TextEncoder().encode([`MSH|^~\\&|PING||RXGATE|PHARM1|20261121110100||ADT^A08|PING-1|P|2.5`, `PID|1||${MRN}^^^HOSP1^MR`].join('\r'))));
    const [first] = await socket.waitForAnswers(1);
    expect(new TextDecoder().decode(first)).toMatch(/\rMSA\|AA\|PING-1/);
    socket.socket.destroy();
    await waitFor('the refusal logged', () => logLines.some((l) => l.includes('EHR refused a dispense in its application acknowledgement') && l.includes(controlId)));
    await waitFor('the other sender logged', () => logLines.some((l) => l.includes('not its EHR: not recorded') && l.includes(controlId)));
  });

  it('dead-letters a dispense whose patient has no identifiers in the vault, with the reason', async () => {
    const stranger = `pt_${'0'.repeat(64)}`;
    await post('FACOK', { patient_ref: stranger, rx: 'RX-NOBODY' });
    const [entry] = await waitFor('the dead letter', async () => {
      const found = await deadLetters('hl7-outbound-FACOK');
      return found.length > 0 && found;
    });
    expect(entry!.deliveries).toBe(2);
    expect(entry!.failures.map((f) => f.error)).toEqual([
      expect.stringMatching(/^OutboundBuildError: the PHI vault holds no identifiers/),
      expect.stringMatching(/^OutboundBuildError: the PHI vault holds no identifiers/),
    ]);
    expect(ehr.received.some((t) => t.includes('RX-NOBODY'))).toBe(false);
    expect((await outcomes('FACOK')).dead_lettered).toBe(1);
    // The dead letter holds nothing back: the EHR's next dispense goes out at once, not after an ack wait (one
    // message is in flight per EHR, so a dead letter left pending on the server would stop the feed).
    const next = await post('FACOK', { rx: 'RX-AFTER' });
    const started = Date.now();
    await waitFor('the next dispense at the EHR', () => receivedBy(ehr, next).length > 0, 3_000);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('dead-letters a dispense the EHR answers AE after MAX_DELIVER, with its history; a replay sends it again', async () => {
    const controlId = await post('FACAE', { rx: 'RX-AE' });
    const [entry] = await waitFor('the dead letter', async () => {
      const found = await deadLetters('hl7-outbound-FACAE');
      return found.length > 0 && found;
    });
    expect(entry).toMatchObject({ consumer: 'hl7-outbound-FACAE', deliveries: 2 });
    expect(entry!.failures.map((f) => f.error)).toEqual([`OutboundNakError: EHR answered AE to ${controlId}`, `OutboundNakError: EHR answered AE to ${controlId}`]);
    expect(refusing.log.filter((l) => parseMessage(l.payload).controlId === controlId)).toHaveLength(2);
    expect(await outcomes('FACAE')).toMatchObject({ error: 2, dead_lettered: 1 });
    const messageId = `D-${seq}`;
    expect(await deliveryOf(messageId, (d) => d.outcome === 'dead_lettered')).toMatchObject({ target: 'FACAE', ack: 'AE', control_id: controlId });

    // The EHR is fixed; the analyst replays the dead letter through the worker's handler.
    aeMode = 'AA';
    const replay = await call('POST', `/api/dlq/${entry!.id}/replay`, ANALYST);
    expect(replay.status).toBe(200);
    expect(refusing.log.filter((l) => parseMessage(l.payload).controlId === controlId)).toHaveLength(3);
    expect((await outcomes('FACAE')).sent).toBe(1);
    expect(await deliveryOf(messageId, (d) => d.outcome === 'sent')).toMatchObject({ ack: 'AA' });
  });

  it('keeps dispenses on the bus while the EHR is down and delivers each once, in order, when it comes up', async () => {
    const dispense = await post('FACDOWN', { rx: 'RX-DOWN' });
    const dispenseMessage = `D-${seq}`;
    const reversal = await post('FACDOWN', { type: 'rx.dispense.reversal', rx: 'RX-DOWN' });
    await waitFor('failed connection attempts', async () => ((await outcomes('FACDOWN')).unreachable ?? 0) >= 2);
    // A trace meanwhile says why the dispense has not arrived: each attempt of its delivery failed to connect.
    expect(await deliveryOf(dispenseMessage)).toMatchObject({ target: 'FACDOWN', outcome: 'unreachable', control_id: dispense, ack: null, errors: ['#1 connect_failed', '#2 connect_failed'] });
    // The dispense waits on the bus (naked with a delay, still pending); the reversal is not even delivered before it.
    const info = await gw.bus.jsm.consumers.info(gw.bus.names.streams.events, 'hl7-outbound-FACDOWN');
    expect([info.num_ack_pending, info.num_pending]).toEqual([1, 1]);
    // The status says the same to an operator: two dispenses wait for that EHR, which could not be reached.
    type Target = { facility: string; waiting: number | null; oldest_waiting_s: number | null; last_outcome: string | null; last_sent_at: string | null };
    const targets = ((await (await call('GET', '/api/mllp/status', ANALYST)).json()) as { outbound: Target[] }).outbound;
    expect(targets.map((t) => t.facility)).toEqual(['FACOK', 'FACAE', 'FACLATE', 'FACDOWN', 'FACL1', 'FACENH']);
    expect(targets.find((t) => t.facility === 'FACDOWN')).toMatchObject({ waiting: 2, oldest_waiting_s: expect.any(Number), last_outcome: 'unreachable', last_sent_at: null });
    // Nothing waits for FACOK: its dead letter (the patient without identifiers) was terminated, not left pending.
    expect(targets.find((t) => t.facility === 'FACOK')).toMatchObject({ waiting: 0, oldest_waiting_s: 0, last_sent_at: expect.any(String) });
    down = await startNodeHl7ServerPeer({ port: downPort });
    const peer = down;
    await waitFor('both messages at the EHR', () => peer.received.length >= 2, 15_000);
    await new Promise((r) => setTimeout(r, 300)); // anything sent twice would have arrived by now
    const got = peer.received.map((t) => parseMessage(t));
    expect(got.map((m) => [m.controlId, m.segment('ORC')!.get(1)])).toEqual([
      [dispense, 'RE'],
      [reversal, 'CA'],
    ]);
    expect(await outcomes('FACDOWN')).toMatchObject({ sent: 2 });
    expect(await deadLetters('hl7-outbound-FACDOWN')).toEqual([]);
  });

  it('sends a dispense once when the EHR takes longer than the ack wait to answer, with two gateways serving it', async () => {
    const slow = await startScriptedPeer(({ payload }) => ({ delayMs: 1500, answers: [minimalAck(payload, 'AA')] }));
    // Two gateways' workers on the one durable consumer, with an ack wait of 600 ms: the delivery in progress is
    // reported to JetStream every 200 ms, so neither this worker nor the other gets the dispense again meanwhile.
    const start = () =>
      startOutboundWorkers({
        targets: parseOutboundTargets(`FACSLOW=127.0.0.1:${slow.port},app=EHR7`),
        bus: gw.bus,
        vault: gw.phi.vault,
        metrics: gw.metrics,
        logger: createLogger('silent'),
        maxDeliver: 2,
        ackWaitMs: 600,
        settings: { sendingApplication: 'RXGATE', processingId: 'P', answerTimeoutMs: 5000, connectTimeoutMs: 1000, retry: { attempts: 2, initialDelayMs: 50 } },
      });
    const workers = [await start(), await start()];
    try {
      const controlId = await post('FACSLOW', { rx: 'RX-SLOW' });
      await waitFor('the slow answer', async () => ((await outcomes('FACSLOW')).sent ?? 0) >= 1, 10_000);
      await new Promise((r) => setTimeout(r, 1000)); // a redelivery would have reached the EHR by now
      expect(slow.log.map((l) => parseMessage(l.payload).controlId)).toEqual([controlId]);
      expect(await outcomes('FACSLOW')).toEqual({ sent: 1 });
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await slow.close();
    }
  });

  it('gives a target added later the dispenses its facility already had on the bus, once each and in order, then the new ones', async () => {
    const before = [await post('FACNEW', { rx: 'RX-NEW-1' }), await post('FACNEW', { rx: 'RX-NEW-2' })];
    const newcomer = await startNodeHl7ServerPeer();
    // what the gateway's start does for each configured target (adapters/hl7v2/module.ts)
    const workers = await startOutboundWorkers({
      targets: parseOutboundTargets(`FACNEW=127.0.0.1:${newcomer.port},app=EHR5`),
      bus: gw.bus,
      vault: gw.phi.vault,
      metrics: gw.metrics,
      logger: createLogger('silent'),
      maxDeliver: 2,
      ackWaitMs: 5000,
      settings: { sendingApplication: 'RXGATE', processingId: 'P', answerTimeoutMs: 1000, connectTimeoutMs: 1000, retry: { attempts: 2, initialDelayMs: 50 } },
    });
    try {
      await waitFor('the earlier dispenses at the new EHR', () => newcomer.received.length >= 2);
      const after = await post('FACNEW', { rx: 'RX-NEW-3' });
      await waitFor('the new dispense', () => newcomer.received.length >= 3);
      await new Promise((r) => setTimeout(r, 300)); // anything sent twice would have arrived by now
      expect(newcomer.received.map((t) => parseMessage(t).controlId)).toEqual([...before, after]);
    } finally {
      await workers.stop();
      await newcomer.close();
    }
  });

  it('never takes a late ACK for the answer to a later message', async () => {
    const first = await post('FACLATE', { rx: 'RX-L1' });
    const second = await post('FACLATE', { rx: 'RX-L2' });
    await waitFor('both sent', async () => ((await outcomes('FACLATE')).sent ?? 0) >= 2);
    // Each message's first frame was answered (AE) after the timeout: on a connection the client had dropped.
    const byControlId = (id: string) => late.log.filter((l) => parseMessage(l.payload).controlId === id);
    for (const id of [first, second]) {
      const frames = byControlId(id);
      expect(frames).toHaveLength(2);
      expect(frames[0]!.connection).not.toBe(frames[1]!.connection);
    }
    await waitFor('the late answers to be due', () => late.log.filter((l) => l.closedBeforeAnswer).length >= 2, 2_000);
    expect(await outcomes('FACLATE')).toMatchObject({ sent: 2 });
    expect((await outcomes('FACLATE')).error).toBeUndefined();
  });

  it('dead-letters a message that is never answered, with the attempt history', async () => {
    const controlId = await post('FACLATE', { rx: 'RX-NEVER' });
    const [entry] = await waitFor('the dead letter', async () => {
      const found = await deadLetters('hl7-outbound-FACLATE');
      return found.length > 0 && found;
    });
    expect(entry!.deliveries).toBe(2);
    for (const failure of entry!.failures) {
      expect(failure.error).toMatch(new RegExp(`^OutboundNoAnswerError: no ACK from 127\\.0\\.0\\.1:${late.port} for ${controlId} after 2 attempt\\(s\\): #1 answer_timeout .*; #2 answer_timeout`));
    }
  });

  type Resend = { id: string; facility: string; state: string; found: number; sent: number; skipped: number; refused: number; refused_ids: string[]; stopped_reason: string | null; resume_since: string | null };
  const resends = async (token = ANALYST): Promise<Resend[]> => ((await (await call('GET', '/api/outbound/resends', token)).json()) as { resends: Resend[] }).resends;
  const askResend = async (facility: string, body: unknown, token = ANALYST) => call('POST', `/api/outbound/${facility}/resend`, token, body);
  const resendEnded = async (res: Response): Promise<Resend> => {
    expect(res.status).toBe(202);
    const { resend } = (await res.json()) as { resend: Resend };
    expect(resend.state).toBe('running');
    return waitFor(`resend ${resend.id} to end`, async () => {
      const found = (await resends()).find((r) => r.id === resend.id);
      return found !== undefined && found.state !== 'running' && found;
    });
  };
  const eventIdOf = async (messageId: string): Promise<string> => {
    const trace = (await (await call('GET', `/api/trace?message_id=${messageId}`, ANALYST)).json()) as { ledger: { event_id: string }[] };
    return trace.ledger[0]!.event_id;
  };

  it('resends dispenses from the ledger when an analyst asks: the same messages, in ledger order, said who and why', async () => {
    const since = new Date().toISOString();
    const first = await post('FACOK', { rx: 'RX-AGAIN' });
    const firstMessage = `D-${seq}`;
    const second = await post('FACOK', { type: 'rx.dispense.reversal', rx: 'RX-AGAIN' });
    await waitFor('both sent once', () => receivedBy(ehr, first).length === 1 && receivedBy(ehr, second).length === 1);

    // A dry run says what would go, and sends nothing.
    const preview = await askResend('FACOK', { since, reason: 'the EHR was restored from a backup', dry_run: true });
    expect(preview.status).toBe(200);
    const { preview: would } = (await preview.json()) as { preview: { found: number; first_recorded_at: string; last_recorded_at: string; since: string } };
    expect(would).toMatchObject({ facility: 'FACOK', found: 2, since, until: expect.any(String), event_ids: null });
    expect(Date.parse(would.first_recorded_at)).toBeGreaterThanOrEqual(Date.parse(since));
    expect(Date.parse(would.last_recorded_at)).toBeGreaterThanOrEqual(Date.parse(would.first_recorded_at));
    await new Promise((r) => setTimeout(r, 200));
    expect(receivedBy(ehr, first)).toHaveLength(1);

    const res = await askResend('FACOK', { since, reason: 'the EHR was restored from a backup' });
    const resend = await resendEnded(res);
    // Who asked, why and for what is in the facility's chain of the ledger, for compliance.
    const audit = (await (await call('GET', '/api/ledger?facility=FACOK&type=outbound.resend&limit=100', COMPLIANCE)).json()) as { entries: { event: { payload: Record<string, unknown> } }[] };
    expect(audit.entries.map((e) => e.event.payload).find((p) => p.resend_id === resend.id)).toEqual({
      resend_id: resend.id,
      actor: expect.stringMatching(/^analyst/),
      reason: 'the EHR was restored from a backup',
      since,
      until: expect.any(String),
      event_ids: null,
    });
    expect(resend).toMatchObject({ facility: 'FACOK', state: 'done', found: 2, sent: 2, skipped: 0, refused: 0, since, until: expect.any(String), actor: expect.any(String), reason: 'the EHR was restored from a backup' });
    // The EHR got each again under the MSH-10 it had, after the first copies and in the same order.
    const sequence = ehr.received.map((t) => parseMessage(t).controlId).filter((id) => id === first || id === second);
    expect(sequence).toEqual([first, second, first, second]);

    // Chosen events only: the dispense a third time, nothing else.
    const chosen = await resendEnded(await askResend('FACOK', { event_ids: [await eventIdOf(firstMessage)], reason: 'one dispense missing at the EHR' }));
    expect(chosen).toMatchObject({ state: 'done', found: 1, sent: 1 });
    expect(receivedBy(ehr, first)).toHaveLength(3);
    expect(receivedBy(ehr, second)).toHaveLength(2);
    expect(await deliveryOf(firstMessage)).toMatchObject({ outcome: 'sent', ack: 'AA', control_id: first });

    // Compliance may follow resends but not start one.
    expect((await resends(COMPLIANCE)).length).toBeGreaterThanOrEqual(2);
    expect((await askResend('FACOK', { since, reason: 'x' }, COMPLIANCE)).status).toBe(403);
  });

  it('stops a resend when the EHR stops answering, saying from where to resend; counts refusals and goes on past them', async () => {
    aeMode = 'AA';
    const since = new Date().toISOString();
    const sent = await post('FACAE', { rx: 'RX-STOP' });
    const message = `D-${seq}`;
    await waitFor('the dispense at the EHR', () => refusing.log.some((l) => parseMessage(l.payload).controlId === sent));
    await waitFor('its delivery recorded', async () => (await deliveryOf(message)).outcome === 'sent');

    aeMode = 'HANGUP';
    const hangingUp = await askResend('FACAE', { since, reason: 'interface queue cleared' });
    // One resend per EHR at a time.
    const second = await askResend('FACAE', { since, reason: 'asked twice' });
    expect(second.status).toBe(409);
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe('resend_running');
    const stopped = await resendEnded(hangingUp);
    expect(stopped).toMatchObject({ state: 'stopped', found: 1, sent: 0, stopped_reason: 'the EHR did not answer', resume_since: expect.any(String) });
    expect(Date.parse(stopped.resume_since!)).toBeGreaterThanOrEqual(Date.parse(since));

    aeMode = 'AE';
    const refused = await resendEnded(await askResend('FACAE', { since: stopped.resume_since, reason: 'interface queue cleared' }));
    expect(refused).toMatchObject({ state: 'done', found: 1, sent: 0, refused: 1, refused_ids: [await eventIdOf(message)] });
    expect(await deliveryOf(message)).toMatchObject({ outcome: 'error', ack: 'AE' });

    // An analyst cancels a running resend: it ends at once in the list, and its runner stops after the event it sends.
    aeMode = 'HANGUP';
    const { resend } = (await (await askResend('FACAE', { since, reason: 'asked by mistake' })).json()) as { resend: Resend };
    const cancelled = await call('DELETE', `/api/outbound/resends/${resend.id}`, ANALYST);
    expect(cancelled.status).toBe(200);
    expect(((await cancelled.json()) as { resend: Resend }).resend).toMatchObject({ id: resend.id, state: 'cancelled', stopped_reason: expect.stringMatching(/^cancelled by analyst/) });
    expect((await resends()).find((r) => r.id === resend.id)).toMatchObject({ state: 'cancelled' });
    aeMode = 'AA';
  });

  it('resends from the command line: `gateway outbound resend` and `gateway outbound resends`', async () => {
    const controlId = await post('FACOK', { rx: 'RX-CLI' });
    const message = `D-${seq}`;
    await waitFor('the dispense at the EHR', () => receivedBy(ehr, controlId).length === 1);
    const printed: string[] = [];
    const out = vi.spyOn(console, 'log').mockImplementation((line: string) => void printed.push(line));
    const err = vi.spyOn(console, 'error').mockImplementation((line: string) => void printed.push(line));
    vi.stubEnv('GATEWAY_URL', `http://127.0.0.1:${gw.httpPort}`);
    vi.stubEnv('GATEWAY_TOKEN', ANALYST);
    try {
      const eventId = await eventIdOf(message);
      expect(await cli(['outbound', 'resend', 'FACOK', '--event', eventId, '--reason', 'asked by the ward', '--dry-run'])).toBe(0);
      expect(JSON.parse(printed.at(-1)!)).toMatchObject({ preview: { facility: 'FACOK', found: 1, event_ids: 1 } });
      expect(await cli(['outbound', 'resend', 'FACOK', '--event', eventId, '--reason', 'asked by the ward'])).toBe(0);
      const { resend } = JSON.parse(printed.at(-1)!) as { resend: Resend };
      await waitFor('the resend to end', async () => (await resends()).find((r) => r.id === resend.id)?.state === 'done');
      expect(receivedBy(ehr, controlId)).toHaveLength(2);
      expect(await cli(['outbound', 'resends'])).toBe(0);
      expect((JSON.parse(printed.at(-1)!) as { resends: Resend[] }).resends[0]).toMatchObject({ id: resend.id, sent: 1 });
      // It has ended: a cancel says so, naming its state.
      expect(await cli(['outbound', 'cancel', resend.id])).toBe(2);
      expect(printed.at(-1)).toMatch(/answered 409: resend .* has ended already \(done\)/);
      // Neither a range nor events: the API's answer names the field.
      expect(await cli(['outbound', 'resend', 'FACOK', '--reason', 'x'])).toBe(2);
      expect(printed.at(-1)).toMatch(/answered 422: .*"since"/);
      expect(await cli(['outbound', 'resend', 'FACOK', '--since', '2026-01-01T00:00:00Z'])).toBe(2);
      expect(printed.at(-1)).toMatch(/--reason/);
    } finally {
      out.mockRestore();
      err.mockRestore();
      vi.unstubAllEnvs();
    }
  });

  it('answers a bad resend request with the field it gets wrong', async () => {
    const problem = async (res: Response) => {
      const body = (await res.json()) as { error: { code: string; details?: { field?: string; path?: string }[] } };
      return [res.status, body.error.code, (body.error.details ?? []).map((d) => d.field ?? d.path)];
    };
    expect(await problem(await askResend('NOWHERE', { since: '2026-01-01T00:00:00Z', reason: 'x' }))).toEqual([404, 'unknown_target', []]);
    expect(await problem(await askResend('FACOK', { since: '2026-01-01T00:00:00Z', event_ids: ['0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b'], reason: 'x' }))).toEqual([422, 'invalid_request', ['since']]);
    expect(await problem(await askResend('FACOK', { since: '2026-01-02T00:00:00Z', until: '2026-01-01T00:00:00Z', reason: 'x' }))).toEqual([422, 'invalid_request', ['until']]);
    expect(await problem(await askResend('FACOK', { since: 'yesterday' }))).toEqual([422, 'invalid_request', ['since', 'reason']]);
    const notJson = await fetch(`http://127.0.0.1:${gw.httpPort}/api/outbound/FACOK/resend`, { method: 'POST', headers: { authorization: `Bearer ${ANALYST}`, 'content-type': 'text/plain' }, body: 'since=yesterday' });
    expect(notJson.status).toBe(415);
    expect(await problem(await call('DELETE', '/api/outbound/resends/not-an-id', ANALYST))).toEqual([404, 'not_found', []]);
    expect(await problem(await call('DELETE', '/api/outbound/resends/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', ANALYST))).toEqual([404, 'not_found', []]);
    expect((await call('DELETE', '/api/outbound/resends/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', COMPLIANCE)).status).toBe(403);
  });

  it('logs no patient data', () => {
    const logs = logLines.join('\n');
    expect(logs).toContain('dispense sent to the EHR');
    expect(logs).not.toContain(MRN);
    expect(logs).not.toContain(NAME);
  });
});
