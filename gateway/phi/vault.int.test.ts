import { sql } from 'drizzle-orm';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withTestStores } from '../store/test-support.ts';
import { loadPhiKeys } from './keys.ts';
import { PhiVault, PhiVaultKeyError, seal, unseal } from './vault.ts';

const stores = await withTestStores();

describe('PHI keys', () => {
  it('creates the keys once in DATA_DIR/keys and reuses them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rxgate-keys-'));
    const first = await loadPhiKeys({ DATA_DIR: dir });
    expect(first.generated).toHaveLength(2);
    const second = await loadPhiKeys({ DATA_DIR: dir });
    expect(second.generated).toHaveLength(0);
    expect(second.tokenKey.equals(first.tokenKey) && second.vaultKey.equals(first.vaultKey)).toBe(true);
    expect(first.tokenKey.equals(first.vaultKey)).toBe(false);
  });

  it('takes keys from the environment and refuses a wrong length', async () => {
    const hex = 'ab'.repeat(32);
    const keys = await loadPhiKeys({ DATA_DIR: '/nonexistent', PHI_TOKEN_KEY: hex, PHI_VAULT_KEY: Buffer.alloc(32, 1).toString('base64') });
    expect(keys.tokenKey.toString('hex')).toBe(hex);
    await expect(loadPhiKeys({ DATA_DIR: '/x', PHI_TOKEN_KEY: 'abcd', PHI_VAULT_KEY: hex })).rejects.toThrow(/PHI_TOKEN_KEY must be 32 bytes/);
  });
});

describe.each(stores)('PHI vault on $kind', ({ store }) => {
  it('keeps identifiers encrypted, bound to their token, and replaces them on update', async () => {
    const keys = await loadPhiKeys({ DATA_DIR: '/unused', PHI_TOKEN_KEY: 'aa'.repeat(32), PHI_VAULT_KEY: 'bb'.repeat(32) });
    const vault = new PhiVault(store, keys);
    const token = `pt_${'c'.repeat(64)}`;
    await vault.put(token, { identifiers: [{ authority: 'HOSP', type: 'MR', value: 'MRN-778899' }], demographics: { family: 'ZZDOE' } });
    expect(await vault.get(token)).toEqual({ identifiers: [{ authority: 'HOSP', type: 'MR', value: 'MRN-778899' }], demographics: { family: 'ZZDOE' } });

    const [raw] = await store.rows<{ sealed: string }>(sql`select encode(sealed, 'escape') as sealed from phi_vault where token = ${token}`);
    expect(raw!.sealed).not.toContain('MRN-778899');
    expect(raw!.sealed).not.toContain('ZZDOE');

    await vault.put(token, { identifiers: [{ authority: 'HOSP', type: 'MR', value: 'MRN-778899' }], demographics: { family: 'ZZSMITH' } });
    expect((await vault.get(token))!.demographics).toEqual({ family: 'ZZSMITH' });
    expect(await vault.get(`pt_${'d'.repeat(64)}`)).toBeUndefined();
    await vault.putIfAbsent(token, { identifiers: [] });
    expect((await vault.get(token))!.demographics).toEqual({ family: 'ZZSMITH' }); // known: left alone
    await vault.putIfAbsent(`pt_${'e'.repeat(64)}`, { identifiers: [{ authority: 'HOSP', type: 'MR', value: 'OLD-1' }] });
    expect((await vault.get(`pt_${'e'.repeat(64)}`))!.identifiers[0]!.value).toBe('OLD-1');

    const otherKeys = await loadPhiKeys({ DATA_DIR: '/unused', PHI_TOKEN_KEY: 'aa'.repeat(32), PHI_VAULT_KEY: 'cc'.repeat(32) });
    await expect(new PhiVault(store, otherKeys).get(token)).rejects.toThrow(PhiVaultKeyError);
  });

  it('writes concurrent puts together, and of two puts for one token keeps the later', async () => {
    const keys = await loadPhiKeys({ DATA_DIR: '/unused', PHI_TOKEN_KEY: 'aa'.repeat(32), PHI_VAULT_KEY: 'bb'.repeat(32) });
    const vault = new PhiVault(store, keys);
    const tokens = Array.from({ length: 20 }, (_, i) => `pt_${i.toString(16).padStart(2, '0').repeat(32)}`);
    const same = `pt_${'f'.repeat(64)}`;
    await Promise.all([
      ...tokens.map((t, i) => vault.put(t, { identifiers: [{ authority: 'HOSP', type: 'MR', value: `MRN-${i}` }] })),
      vault.put(same, { identifiers: [{ authority: 'HOSP', type: 'MR', value: 'FIRST' }] }),
      vault.put(same, { identifiers: [{ authority: 'HOSP', type: 'MR', value: 'SECOND' }] }),
    ]);
    for (const [i, t] of tokens.entries()) expect((await vault.get(t))!.identifiers[0]!.value).toBe(`MRN-${i}`);
    expect((await vault.get(same))!.identifiers[0]!.value).toBe('SECOND');
  });

  it('refuses a sealed record moved under another token', async () => {
    const keys = await loadPhiKeys({ DATA_DIR: '/unused', PHI_TOKEN_KEY: 'aa'.repeat(32), PHI_VAULT_KEY: 'bb'.repeat(32) });
    const sealed = seal(keys, 'pt_one', { identifiers: [{ authority: 'A', type: 'MR', value: '1' }] });
    expect(unseal(keys, 'pt_one', sealed).identifiers[0]!.value).toBe('1');
    expect(() => unseal(keys, 'pt_two', sealed)).toThrow();
  });
});
