import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { Store } from '../store/db.ts';
import { appendEvents, verifyLedger } from '../store/ledger.ts';
import { rootMessage } from '../store/pg-errors.ts';
import { testEvent } from '../store/test-fixtures/canonical-events.ts';
import { asOwnerWithoutTriggers } from '../store/test-fixtures/tamper.ts';
import { openTestStore, withTestStores } from '../store/test-support.ts';
import { keyIdOf, loadCheckpointKeys, loadTrustedKeys, rawPublicKey } from './keys.ts';
import { createCheckpoint, currentHeads, listCheckpoints } from './store.ts';
import { verifyCheckpoints, verifyLedgerAndCheckpoints } from './verify.ts';
import { startCheckpointWorker } from './worker.ts';

const stores = await withTestStores();
const keyDir = await mkdtemp(join(tmpdir(), 'rxgate-checkpoint-keys-'));
afterAll(() => rm(keyDir, { recursive: true, force: true }));
const keys = await loadCheckpointKeys({ DATA_DIR: keyDir });
let clock = Date.UTC(2026, 10, 22, 3, 0, 0);
const now = () => new Date((clock += 1000));

describe('checkpoint keys', () => {
  it('makes the signing key once in DATA_DIR/keys (0600), publishes its public half, and trusts it', async () => {
    expect(keys.generated).toEqual([join(keyDir, 'keys', 'ledger-signing.key')]);
    expect((await stat(join(keyDir, 'keys', 'ledger-signing.key'))).mode & 0o777).toBe(0o600);
    const again = await loadCheckpointKeys({ DATA_DIR: keyDir });
    expect(again.generated).toEqual([]);
    expect(again.keyId).toBe(keys.keyId);
    const published = (await readFile(join(keyDir, 'keys', 'ledger-signing.pub'), 'utf8')).trim();
    expect(published).toBe(rawPublicKey(keys.signing).toString('base64'));
    expect([...(await loadTrustedKeys({ DATA_DIR: keyDir })).keys()]).toEqual([keys.keyId]);
    // A verifier given LEDGER_VERIFY_KEYS trusts those and nothing else.
    const other = generateKeyPairSync('ed25519').publicKey;
    const listed = await loadTrustedKeys({ DATA_DIR: keyDir, LEDGER_VERIFY_KEYS: rawPublicKey(other).toString('hex') });
    expect([...listed.keys()]).toEqual([keyIdOf(other)]);
    await expect(loadCheckpointKeys({ DATA_DIR: keyDir, LEDGER_SIGNING_KEY: 'abcd' })).rejects.toThrow(/LEDGER_SIGNING_KEY must be 32 bytes/);
  });
});

describe.each(stores)('checkpoints on $kind', ({ store }) => {
  it('signs the heads of all chains, numbered and linked, and only when they moved', async () => {
    expect((await createCheckpoint(store, keys, now)).created).toBe(false); // empty ledger: nothing to sign
    const out = await appendEvents(store, [testEvent('CPA', 1), testEvent('CPA', 2), testEvent('CPB', 1)], now);
    const first = await createCheckpoint(store, keys, now);
    expect(first.created).toBe(true);
    expect(first.checkpoint).toMatchObject({
      number: 1,
      key_id: keys.keyId,
      previous: '0'.repeat(64),
      heads: [
        { chain: 'CPA', seq: 2, hash: out[1]!.hash },
        { chain: 'CPB', seq: 1, hash: out[2]!.hash },
      ],
    });
    expect((await createCheckpoint(store, keys, now)).created).toBe(false);
    await appendEvents(store, [testEvent('CPB', 2)], now);
    const second = await createCheckpoint(store, keys, now);
    expect(second.checkpoint).toMatchObject({ number: 2 });
    expect(second.checkpoint!.previous).not.toBe(first.checkpoint!.previous);
    expect((await listCheckpoints(store, { limit: 10 })).map((c) => c.number)).toEqual([1, 2]);

    const report = await verifyLedgerAndCheckpoints(store, keys.trusted);
    expect(report.ok).toBe(true);
    expect(report.checkpoints).toEqual({ checked: 2, latest: { number: 2, created_at: second.checkpoint!.created_at, key_id: keys.keyId } });
  });

  it('catches a chain rewritten with recomputed hashes, which the hash chain alone cannot', async () => {
    const out = await appendEvents(store, [testEvent('CPR', 1), testEvent('CPR', 2)], now);
    await createCheckpoint(store, keys, now);
    // Change the last entry and give it a hash that matches its new content: the chain verifies again.
    const forged = await store.rows<{ hash: string }>(sql`select encode(sha256(convert_to('forged', 'UTF8')), 'hex') as hash`);
    await asOwnerWithoutTriggers(store, 'ledger', sql`update ledger set hash = ${forged[0]!.hash} where chain = 'CPR' and seq = 2`);
    const report = await verifyCheckpoints(store, keys.trusted, { chain: 'CPR' });
    expect(report.first_problem).toMatchObject({
      kind: 'head_rewritten',
      chain: 'CPR',
      seq: 2,
      expected_hash: out[1]!.hash,
      found_hash: forged[0]!.hash,
    });
    expect((await verifyLedgerAndCheckpoints(store, keys.trusted, { chain: 'CPR' })).ok).toBe(false);
  });

  it('catches entries cut from the end of a chain, which leave no gap', async () => {
    await appendEvents(store, [testEvent('CPT', 1), testEvent('CPT', 2), testEvent('CPT', 3)], now);
    await createCheckpoint(store, keys, now);
    await asOwnerWithoutTriggers(store, 'ledger', sql`delete from ledger where chain = 'CPT' and seq = 3`);
    expect((await verifyLedger(store, { chain: 'CPT' })).ok).toBe(true);
    const report = await verifyLedgerAndCheckpoints(store, keys.trusted, { chain: 'CPT' });
    expect(report.ok).toBe(false);
    expect(report.checkpoints.first_problem).toMatchObject({ kind: 'head_missing', chain: 'CPT', seq: 3 });
  });

  it('refuses to change or remove a checkpoint', async () => {
    const failure = await store.rows(sql`delete from ledger_checkpoint`).then(
      () => 'deleted',
      (e: unknown) => rootMessage(e),
    );
    expect(failure).toMatch(/append-only/);
  });
});

describe('checkpoint worker (PostgreSQL)', () => {
  it('signs on its interval when the heads moved, and once more on stop', async () => {
    const opened = await openTestStore('postgres');
    const logged: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => logged.push(line) });
    try {
      await appendEvents(opened.store, [testEvent('CPW', 1)], now);
      const worker = startCheckpointWorker({ store: opened.store, keys, intervalS: 1, logger, now });
      for (let i = 0; i < 50 && (await listCheckpoints(opened.store, { limit: 10 })).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect((await listCheckpoints(opened.store, { limit: 10 })).map((c) => c.heads[0]!.seq)).toEqual([1]);
      await appendEvents(opened.store, [testEvent('CPW', 2)], now);
      await worker.stop();
      const all = await listCheckpoints(opened.store, { limit: 10 });
      expect(all.at(-1)!.heads).toEqual([expect.objectContaining({ chain: 'CPW', seq: 2 })]);
      expect(logged.some((l) => l.includes('ledger checkpoint signed'))).toBe(true);
    } finally {
      await opened.dispose();
    }
  });
});

describe('forged checkpoints (PostgreSQL)', () => {
  async function withSignedLedger(run: (store: Store) => Promise<void>): Promise<void> {
    const opened = await openTestStore('postgres');
    try {
      await appendEvents(opened.store, [testEvent('CPF', 1)], now);
      await createCheckpoint(opened.store, keys, now);
      await appendEvents(opened.store, [testEvent('CPF', 2)], now);
      await createCheckpoint(opened.store, keys, now);
      await run(opened.store);
    } finally {
      await opened.dispose();
    }
  }

  it('names a checkpoint whose heads were edited as bad_signature', async () => {
    await withSignedLedger(async (store) => {
      await asOwnerWithoutTriggers(store, 'ledger_checkpoint', sql`update ledger_checkpoint set heads = jsonb_set(heads, '{0,seq}', '1') where number = 2`);
      expect((await verifyCheckpoints(store, keys.trusted)).first_problem).toMatchObject({ number: 2, kind: 'bad_signature' });
    });
  });

  it('names a removed checkpoint as a sequence gap, and a foreign key as untrusted', async () => {
    await withSignedLedger(async (store) => {
      const other = generateKeyPairSync('ed25519').publicKey;
      expect((await verifyCheckpoints(store, new Map([[keyIdOf(other), other]]))).first_problem).toMatchObject({ number: 1, kind: 'untrusted_key', key_id: keys.keyId });
      await asOwnerWithoutTriggers(store, 'ledger_checkpoint', sql`delete from ledger_checkpoint where number = 1`);
      expect((await verifyCheckpoints(store, keys.trusted)).first_problem).toMatchObject({ kind: 'sequence_gap', expected_number: 1, found_number: 2 });
    });
  });

  it('reads the heads with one probe per chain, whatever the chains are called', async () => {
    await withSignedLedger(async (store) => {
      await appendEvents(store, [testEvent('A-1', 1), testEvent('z_9', 1)], now);
      expect((await currentHeads(store)).map((h) => [h.chain, h.seq])).toEqual([
        ['A-1', 1],
        ['CPF', 2],
        ['z_9', 1],
      ]);
    });
  });
});
