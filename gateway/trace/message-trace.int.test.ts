import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frame } from '../../adapters/hl7v2/mllp/framing.ts';
import { connectNodeHl7Client } from '../../adapters/hl7v2/mllp/testkit/node-hl7-client-sender.ts';
import { openRawSocket } from '../../adapters/hl7v2/mllp/testkit/raw-socket.ts';
import { handWrittenRds as rds, RDS_PATIENT } from '../../adapters/hl7v2/testing/rds-message.ts';
import type { RunningGateway } from '../main.ts';
import { startTestGateway } from '../test-support.ts';
import type { MessageTrace } from './message-trace.ts';

/**
 * GET /api/trace end to end: messages sent by node-hl7-client (and a raw socket for one that does not parse) to the
 * real gateway, on NATS JetStream and PostgreSQL, then traced by the id the sender gave them.
 */

const ANALYST = 'analyst-token-0123456789';
const SYSTEM = 'system-token-01234567890';
const SENDER = 'PHARM^HOSP1'; // MSH-3^MSH-4 of handWrittenRds
const UNMAPPED_NDC = '55555-4444-03';

describe('message trace', () => {
  let gw: RunningGateway;
  let baseUrl: string;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ gw, baseUrl, stop } = await startTestGateway({ AUTH_TOKENS: `analyst:${ANALYST},system:${SYSTEM}`, HL7_FACILITY_MAP: 'HOSP1=HOSP1' }));
    const ctx = { actor: 'analyst:test', reason: 'test fixture' };
    await gw.mappings.service.create('drugs', { ndc11: '00591-0369-01', description: 'Hydrocodone/APAP 5/325 tablet' }, ctx);
    await gw.mappings.service.create('schedules', { ndc11: '00591036901', schedule: 'II' }, ctx);
  });

  afterAll(async () => {
    await stop?.();
  });

  const trace = async (query: Record<string, string>, token = ANALYST) =>
    fetch(`${baseUrl}/api/trace?${new URLSearchParams(query)}`, { headers: { authorization: `Bearer ${token}` } });
  const traced = async (query: Record<string, string>): Promise<MessageTrace> => {
    const res = await trace(query);
    expect(res.status).toBe(200);
    return (await res.json()) as MessageTrace;
  };
  const send = async (...messages: string[]) => {
    const sender = await connectNodeHl7Client({ port: gw.mllp.port! });
    try {
      const codes: string[] = [];
      for (const m of messages) codes.push((await sender.send(m)).code);
      return codes;
    } finally {
      await sender.close();
    }
  };

  it('shows an accepted message: the AA it got and its ledger entry, with or without the sender named', async () => {
    expect(await send(rds('TR-OK'))).toEqual(['AA']);
    const found = await traced({ message_id: 'TR-OK', sender: SENDER });
    expect(found.ledger).toHaveLength(1);
    expect(found.ledger[0]).toMatchObject({ chain: 'HOSP1', seq: expect.any(Number), type: 'rx.dispense', class: 'ctl', adapter: 'hl7v2', sender: SENDER });
    expect(found.answers).toEqual([
      { adapter: 'hl7v2', sender: SENDER, answered_at: expect.any(String), acks: [{ code: 'AA', errors: [] }], event_ids: [found.ledger[0]!.event_id] },
    ]);
    expect(found).toMatchObject({ parked: [], quarantine: [], truncated: false });
    // Without the sender, the answer is looked up for each sender the message was found under.
    expect(await traced({ message_id: 'TR-OK' })).toEqual({ ...found, query: { message_id: 'TR-OK' } });
    // Another sender's message of the same id is another message.
    expect(await traced({ message_id: 'TR-OK', sender: 'OTHER^HOSP1' })).toMatchObject({ answers: [], ledger: [] });
    expect(await traced({ message_id: 'TR-OK', adapter: 'api' })).toMatchObject({ answers: [], ledger: [] });
  });

  it('shows a parked dispense waiting for its drug, and the same dispense in the ledger once the drug is mapped', async () => {
    expect(await send(rds('TR-PARK', UNMAPPED_NDC))).toEqual(['AA']);
    const waiting = await traced({ message_id: 'TR-PARK' });
    expect(waiting.ledger).toEqual([]);
    expect(waiting.answers).toMatchObject([{ sender: SENDER, acks: [{ code: 'AA', errors: [] }] }]);
    expect(waiting.parked).toEqual([
      {
        event_id: waiting.answers[0]!.event_ids[0],
        facility_id: 'HOSP1',
        type: 'rx.dispense',
        pending_id: expect.any(Number),
        system: 'NDC',
        code: '55555444403', // the pending code is the NDC-11 without dashes (5-4-2 as sent)
        parked_at: expect.any(String),
        released_at: null,
        adapter: 'hl7v2',
        sender: SENDER,
      },
    ]);

    await gw.mappings.pending.resolve(
      waiting.parked[0]!.pending_id,
      { ndc11: UNMAPPED_NDC, schedule: 'II', drug: { description: 'Oxycodone HCl 5 mg tablet' } },
      { actor: 'analyst:test', reason: 'new package' },
    );
    let released = await traced({ message_id: 'TR-PARK' });
    for (let i = 0; i < 100 && released.ledger.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      released = await traced({ message_id: 'TR-PARK' });
    }
    expect(released.ledger).toMatchObject([{ event_id: waiting.parked[0]!.event_id, type: 'rx.dispense', class: 'ctl' }]);
    expect(released.parked[0]!.released_at).toEqual(expect.any(String));
  });

  it('shows the quarantined copies of a message refused (AE) and of one that did not parse (AR), found by the MSH-10 their header holds', async () => {
    expect(await send(rds('TR-AE', ''))).toEqual(['AE']);
    const refused = await traced({ message_id: 'TR-AE' });
    expect(refused).toMatchObject({ answers: [], ledger: [], parked: [] });
    expect(refused.quarantine).toMatchObject([{ adapter: 'hl7v2', reason: 'translate', source: { sender: SENDER, message_id: 'TR-AE' }, details: [{ code: 101 }] }]);

    const unparsable = `${rds('TR-AR')}\rP!D|1`;
    const socket = await openRawSocket(gw.mllp.port!);
    await socket.write(frame(new TextEncoder().encode(unparsable)));
    const [answer] = await socket.waitForAnswers(1);
    socket.socket.destroy();
    expect(new TextDecoder().decode(answer)).toMatch(/\rMSA\|AR\|TR-AR/);
    expect((await traced({ message_id: 'TR-AR', sender: SENDER })).quarantine).toMatchObject([
      { adapter: 'hl7v2', reason: 'parse', source: { sender: SENDER, message_id: 'TR-AR' }, size: unparsable.length },
    ]);
  });

  it('shows an API event refused with 422 under the message id the event gave', async () => {
    const res = await fetch(`${baseUrl}/api/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SYSTEM}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'rx.dispense', source: { adapter: 'api', sender: 'pos-7', message_id: 'API-TR-1' } }),
    });
    expect(res.status).toBe(422);
    const found = await traced({ message_id: 'API-TR-1', adapter: 'api' });
    expect(found.quarantine).toMatchObject([{ adapter: 'api', reason: 'invalid_event', source: { sender: 'pos-7', message_id: 'API-TR-1' } }]);
  });

  it('answers a message it knows nothing of with empty lists, keeps patient data out, and needs a role that may trace', async () => {
    expect(await traced({ message_id: 'NEVER-SENT' })).toEqual({
      query: { message_id: 'NEVER-SENT' },
      answers: [],
      ledger: [],
      parked: [],
      quarantine: [],
      deliveries: [],
      truncated: false,
      unavailable: [],
    });
    for (const id of ['TR-OK', 'TR-PARK', 'TR-AE', 'TR-AR']) {
      const text = JSON.stringify(await traced({ message_id: id }));
      expect(text).not.toContain(RDS_PATIENT.mrn);
      expect(text).not.toContain(RDS_PATIENT.family);
    }
    const missing = await trace({ sender: SENDER });
    expect(missing.status).toBe(422);
    expect(JSON.stringify(await missing.json())).toContain('message_id');
    // What PostgreSQL cannot compare (a NUL character) is refused by name, not answered with a 500.
    for (const bad of [{ message_id: 'A\u0000B' }, { message_id: 'A', sender: 'X\u0000' }] as Record<string, string>[]) {
      const refused = await trace(bad);
      expect(refused.status).toBe(422);
      expect(JSON.stringify(await refused.json())).toMatch(/"field":"(message_id|sender)".*NUL characters or unpaired surrogates/);
    }
    expect((await trace({ message_id: 'TR-OK' }, SYSTEM)).status).toBe(403);
    expect((await fetch(`${baseUrl}/api/trace?message_id=TR-OK`)).status).toBe(401);
  });
});
