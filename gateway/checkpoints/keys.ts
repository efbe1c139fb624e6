import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseKey } from '../phi/keys.ts';

/**
 * The Ed25519 key that signs ledger checkpoints, and the public keys a verifier trusts. Keys travel as their raw
 * 32 bytes (private: the seed) in base64 or hex, like the PHI keys. When LEDGER_SIGNING_KEY is unset the gateway
 * makes one once in DATA_DIR/keys (mode 0600) and writes the public half beside it for auditors.
 *
 * The private key should live where the database administrators cannot read it: a checkpoint is only evidence
 * against someone who cannot sign a new one.
 */
export interface CheckpointKeys {
  signing: KeyObject;
  /** key id of the signing key */
  keyId: string;
  /** key id → public key, for verification (LEDGER_VERIFY_KEYS, or the signing key's own public half) */
  trusted: Map<string, KeyObject>;
  generated: string[];
}

// DER prefixes of a bare Ed25519 key in PKCS #8 (private) and SubjectPublicKeyInfo (public), RFC 8410.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function privateKeyFromSeed(seed: Buffer): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

export function publicKeyFromRaw(bytes: Buffer): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, bytes]), format: 'der', type: 'spki' });
}

/** The raw 32 bytes of an Ed25519 public key. */
export function rawPublicKey(key: KeyObject): Buffer {
  const der = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'der', type: 'spki' });
  return der.subarray(der.length - 32);
}

/** A short, public name for a key: the first 16 hex digits of sha256 over its raw public bytes. */
export function keyIdOf(key: KeyObject): string {
  return createHash('sha256').update(rawPublicKey(key)).digest('hex').slice(0, 16);
}

export async function loadCheckpointKeys(o: { LEDGER_SIGNING_KEY?: string; LEDGER_VERIFY_KEYS?: string; DATA_DIR: string }): Promise<CheckpointKeys> {
  const generated: string[] = [];
  let signing: KeyObject;
  if (o.LEDGER_SIGNING_KEY) {
    signing = privateKeyFromSeed(parseKey(o.LEDGER_SIGNING_KEY, 'LEDGER_SIGNING_KEY'));
  } else {
    const path = join(o.DATA_DIR, 'keys', 'ledger-signing.key');
    try {
      signing = privateKeyFromSeed(parseKey(await readFile(path, 'utf8'), path));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      signing = generateKeyPairSync('ed25519').privateKey;
      const seed = signing.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length);
      await mkdir(join(o.DATA_DIR, 'keys'), { recursive: true, mode: 0o700 });
      await writeFile(path, `${seed.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      await chmod(path, 0o600);
      await writeFile(join(o.DATA_DIR, 'keys', 'ledger-signing.pub'), `${rawPublicKey(signing).toString('base64')}\n`, { mode: 0o644 });
      generated.push(path);
    }
  }
  const trusted = listedKeys(o.LEDGER_VERIFY_KEYS);
  if (trusted.size === 0) {
    const own = createPublicKey(signing);
    trusted.set(keyIdOf(own), own);
  }
  return { signing, keyId: keyIdOf(signing), trusted, generated };
}

function listedKeys(list: string | undefined): Map<string, KeyObject> {
  const trusted = new Map<string, KeyObject>();
  for (const text of (list ?? '').split(',').map((k) => k.trim()).filter(Boolean)) {
    const key = publicKeyFromRaw(parseKey(text, 'LEDGER_VERIFY_KEYS'));
    trusted.set(keyIdOf(key), key);
  }
  return trusted;
}

/**
 * The keys a verifier trusts, without ever making a signing key: LEDGER_VERIFY_KEYS, else the public half of
 * LEDGER_SIGNING_KEY, else the public key a gateway wrote to DATA_DIR/keys/ledger-signing.pub; none found, none
 * trusted (every checkpoint then reports untrusted_key).
 */
export async function loadTrustedKeys(o: { LEDGER_SIGNING_KEY?: string; LEDGER_VERIFY_KEYS?: string; DATA_DIR: string }): Promise<Map<string, KeyObject>> {
  const listed = listedKeys(o.LEDGER_VERIFY_KEYS);
  if (listed.size > 0) return listed;
  let key: KeyObject | undefined;
  if (o.LEDGER_SIGNING_KEY) key = createPublicKey(privateKeyFromSeed(parseKey(o.LEDGER_SIGNING_KEY, 'LEDGER_SIGNING_KEY')));
  else {
    const path = join(o.DATA_DIR, 'keys', 'ledger-signing.pub');
    try {
      key = publicKeyFromRaw(parseKey(await readFile(path, 'utf8'), path));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return new Map(key ? [[keyIdOf(key), key]] : []);
}
