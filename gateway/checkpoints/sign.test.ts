import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyIdOf, privateKeyFromSeed, publicKeyFromRaw, rawPublicKey } from './keys.ts';
import { checkpointDigest, FIRST_PREVIOUS, orderedHeads, signatureValid, signCheckpoint, signedText, type CheckpointBody } from './sign.ts';

// RFC 8032 §7.1, TEST 1: the secret key (seed), its public key, and the signature of the empty message.
const RFC8032_SEED = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
const RFC8032_PUBLIC = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const RFC8032_EMPTY_SIGNATURE =
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';

const body: CheckpointBody = {
  number: 1,
  created_at: '2026-11-22T03:00:00.000Z',
  key_id: 'k',
  previous: FIRST_PREVIOUS,
  heads: [
    { chain: 'GENHOSP1', seq: 42, hash: 'a'.repeat(64) },
    { chain: 'GENHOSP2', seq: 7, hash: 'b'.repeat(64) },
  ],
};

describe('checkpoint keys', () => {
  it('turns a raw 32-byte seed into the Ed25519 key of RFC 8032, and a raw public key back into a key', () => {
    const key = privateKeyFromSeed(Buffer.from(RFC8032_SEED, 'hex'));
    expect(rawPublicKey(key).toString('hex')).toBe(RFC8032_PUBLIC);
    expect(sign(null, Buffer.alloc(0), key).toString('hex')).toBe(RFC8032_EMPTY_SIGNATURE);
    const pub = publicKeyFromRaw(Buffer.from(RFC8032_PUBLIC, 'hex'));
    expect(keyIdOf(pub)).toBe(keyIdOf(key));
    expect(keyIdOf(pub)).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('checkpoint signatures', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');

  it('signs the RFC 8785 text of the checkpoint', () => {
    expect(signedText(body)).toBe(
      `{"created_at":"2026-11-22T03:00:00.000Z","heads":[{"chain":"GENHOSP1","hash":"${'a'.repeat(64)}","seq":42},` +
        `{"chain":"GENHOSP2","hash":"${'b'.repeat(64)}","seq":7}],"key_id":"k","number":1,"previous":"${FIRST_PREVIOUS}"}`,
    );
    const signed = signCheckpoint(body, privateKey);
    expect(signatureValid(signed, publicKey)).toBe(true);
  });

  it('fails for any changed field, another key, or a signature that is not base64 of 64 bytes', () => {
    const signed = signCheckpoint(body, privateKey);
    const rewritten = { ...signed, heads: [{ ...signed.heads[0]!, hash: 'c'.repeat(64) }, signed.heads[1]!] };
    expect(signatureValid(rewritten, publicKey)).toBe(false);
    expect(signatureValid({ ...signed, number: 2 }, publicKey)).toBe(false);
    expect(signatureValid({ ...signed, created_at: '2026-11-22T03:00:00.001Z' }, publicKey)).toBe(false);
    expect(signatureValid(signed, generateKeyPairSync('ed25519').publicKey)).toBe(false);
    expect(signatureValid({ ...signed, signature: 'not a signature' }, publicKey)).toBe(false);
  });

  it('chains checkpoints: the digest covers the text and the signature', () => {
    const first = signCheckpoint(body, privateKey);
    const digest = checkpointDigest(first);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(checkpointDigest({ ...first, signature: signCheckpoint({ ...body, created_at: '2026-11-22T03:00:01.000Z' }, privateKey).signature })).not.toBe(digest);
  });

  it('orders heads by chain in UTF-16 code units', () => {
    const heads = orderedHeads([
      { chain: 'b', seq: 1, hash: 'x' },
      { chain: 'B', seq: 1, hash: 'x' },
      { chain: 'a', seq: 1, hash: 'x' },
    ]);
    expect(heads.map((h) => h.chain)).toEqual(['B', 'a', 'b']);
  });
});
