import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../config.ts';

/**
 * The two PHI keys: PHI_TOKEN_KEY (HMAC key for patient tokens) and PHI_VAULT_KEY (AES-256-GCM key of the vault).
 * Given in the environment as 32 bytes of base64 or 64 hex digits. When unset, the gateway creates them once in
 * DATA_DIR/keys (mode 0600) and reuses them: fine for one gateway; instances that share a store must share keys.
 */
export interface PhiKeys {
  tokenKey: Buffer;
  vaultKey: Buffer;
  /** Names the vault key in each row, so a rotated key can still decrypt older rows. */
  vaultKeyId: string;
  generated: string[];
}

export function parseKey(text: string, variable: string): Buffer {
  const trimmed = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (bytes.length !== 32) throw new ConfigError(variable, 'must be 32 bytes, as 64 hex digits or base64');
  return bytes;
}

export async function loadPhiKeys(o: { PHI_TOKEN_KEY?: string; PHI_VAULT_KEY?: string; DATA_DIR: string }): Promise<PhiKeys> {
  const generated: string[] = [];
  const load = async (value: string | undefined, variable: string, file: string): Promise<Buffer> => {
    if (value) return parseKey(value, variable);
    const path = join(o.DATA_DIR, 'keys', file);
    try {
      return parseKey(await readFile(path, 'utf8'), path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const key = randomBytes(32);
    await mkdir(join(o.DATA_DIR, 'keys'), { recursive: true, mode: 0o700 });
    await writeFile(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(path, 0o600);
    generated.push(path);
    return key;
  };
  const tokenKey = await load(o.PHI_TOKEN_KEY, 'PHI_TOKEN_KEY', 'phi-token.key');
  const vaultKey = await load(o.PHI_VAULT_KEY, 'PHI_VAULT_KEY', 'phi-vault.key');
  // The key id is a fingerprint that reveals nothing of the key: HMAC of a fixed label under the key.
  const { createHmac } = await import('node:crypto');
  const vaultKeyId = createHmac('sha256', vaultKey).update('rxgate phi vault key id').digest('hex').slice(0, 16);
  return { tokenKey, vaultKey, vaultKeyId, generated };
}
