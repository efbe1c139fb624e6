import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNodeHl7Client } from '../../adapters/hl7v2/mllp/testkit/node-hl7-client-sender.ts';
import { createLogger } from '../../gateway/log.ts';
import type { RunningGateway } from '../../gateway/main.ts';
import { patientToken } from '../../gateway/phi/token.ts';
import { listLedger } from '../../gateway/store/ledger.ts';
import { startTestGateway } from '../../gateway/test-support.ts';
import { applyMerge } from './merge-projection.ts';

/**
 * The patients table follows the merges an EHR reports: ADT merges sent by node-hl7-client to the real gateway
 * (MLLP, JetStream, PostgreSQL), read back through the mapping service.
 */

const adt = (trigger: string, id: string, survivor: string, prior: string) =>
  [
    `MSH|^~\\&|ADT|HOSP1|RXGATE|PHARM|20261121080000||ADT^${trigger}^ADT_A39|${id}|P|2.5`,
    `EVN|${trigger}|20261121080000`,
    `PID|1||${survivor}^^^HOSP1^MR||ZZMERGE^PAT`,
    `MRG|${prior}^^^HOSP1^MR`,
  ].join('\r');

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached in time`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('patients table ← patient.merge', () => {
  let gw: RunningGateway;
  let stop: () => Promise<void>;
  const token = (mrn: string) => patientToken(gw.phi.keys.tokenKey, { authority: 'HOSP1', type: 'MR', value: mrn });
  const row = (t: string) => gw.mappings.service.get('patients', t);

  beforeAll(async () => {
    ({ gw, stop } = await startTestGateway({ HL7_FACILITY_MAP: 'HOSP1=MERGEFAC' }, createLogger('silent')));
  });
  afterAll(async () => {
    await stop?.();
  });

  it('marks the prior token merged into the survivor, adding both, from an A40; then follows an A47 on from the survivor', async () => {
    const sender = await connectNodeHl7Client({ port: gw.mllp.port! });
    try {
      expect((await sender.send(adt('A40', 'MRG-1', 'ZZNEW1', 'ZZOLD1'))).code).toBe('AA');
    } finally {
      await sender.close();
    }
    const prior = await until('the prior token merged', async () => {
      const r = await row(token('ZZOLD1'));
      return r?.data.status === 'merged' ? r : undefined;
    });
    expect(prior.data).toMatchObject({ token: token('ZZOLD1'), facility_id: 'MERGEFAC', status: 'merged', merged_into: token('ZZNEW1') });
    expect(prior.changed_by).toBe('system:patient-merges');
    expect(prior.reason).toMatch(/^ADT\^A40 MRG-1 from ADT\^HOSP1 \(event [0-9a-f-]{36}\)$/);
    expect((await row(token('ZZNEW1')))?.data).toMatchObject({ status: 'active', merged_into: null, facility_id: 'MERGEFAC' });
    // Each change is a version of its own, with who and why, like an analyst's.
    expect((await gw.mappings.service.history('patients', token('ZZOLD1'))).map((v) => [v.version, v.op, v.changed_by])).toEqual([[1, 'create', 'system:patient-merges']]);

    // The survivor's number was wrong all along: A47 replaces it. The first survivor is now merged on.
    const again = await connectNodeHl7Client({ port: gw.mllp.port! });
    try {
      expect((await again.send(adt('A47', 'MRG-2', 'ZZNEW2', 'ZZNEW1'))).code).toBe('AA');
    } finally {
      await again.close();
    }
    await until('the first survivor merged on', async () => ((await row(token('ZZNEW1')))?.data.merged_into === token('ZZNEW2') ? true : undefined));
    expect((await row(token('ZZNEW1')))?.data.status).toBe('merged');
    expect((await row(token('ZZOLD1')))?.data.merged_into).toBe(token('ZZNEW1'));
  });

  it('changes nothing when a merge comes again (a redelivery or a replay)', async () => {
    const [merge] = (await listLedger(gw.store, { facility: 'MERGEFAC', type: 'patient.merge', limit: 10 })).entries;
    const before = await gw.mappings.service.history('patients', token('ZZOLD1'));
    await applyMerge(gw.mappings.service, merge!.event, createLogger('silent'));
    expect(await gw.mappings.service.history('patients', token('ZZOLD1'))).toEqual(before);
  });
});
