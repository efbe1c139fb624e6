import { hash, randomFillSync } from 'node:crypto';

/**
 * Random bytes drawn from a pool refilled 4 KiB at a time: a call into the CSPRNG per id cost more than the rest
 * of making the id (the same reason crypto.randomUUID keeps a cache). The view is valid until the next call.
 */
const randomPool = Buffer.alloc(4096);
let randomPoolOffset = randomPool.length;
function pooledRandomBytes(n: number): Uint8Array {
  if (randomPoolOffset + n > randomPool.length) {
    randomFillSync(randomPool);
    randomPoolOffset = 0;
  }
  const view = randomPool.subarray(randomPoolOffset, randomPoolOffset + n);
  randomPoolOffset += n;
  return view;
}

/** UUIDv7 (RFC 9562): 48-bit millisecond time, then random bits. Time and randomness are passed in for tests. */
export function uuidv7(nowMs: number = Date.now(), random: Uint8Array = pooledRandomBytes(10)): string {
  const bytes = new Uint8Array(16);
  let t = nowMs;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = t % 256;
    t = Math.floor(t / 256);
  }
  bytes.set(random.subarray(0, 10), 6);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** One-shot `crypto.hash` (Node ≥ 20.12): no Hash object per call, which several calls per message make worth it. */
export function sha256Hex(data: string | Uint8Array): string {
  return hash('sha256', data, 'hex');
}

/**
 * DESIGN §3: sha256 over (sender, message id, payload hash). The parts are joined with a separator that cannot
 * occur inside a hex hash, and lengths are prefixed so that ("a|b","c") and ("a","b|c") never collide.
 */
export function idempotencyKey(sender: string, messageId: string, payloadSha256: string): string {
  return sha256Hex(`${sender.length}:${sender}|${messageId.length}:${messageId}|${payloadSha256}`);
}

/** DESIGN §3, scans: sha256(scanner_id | iso_timestamp | payload_sha256). */
export function scanIdempotencyKey(scannerId: string, isoTimestamp: string, payloadSha256: string): string {
  return sha256Hex(`${scannerId}|${isoTimestamp}|${payloadSha256}`);
}

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Keeps the sender's correlation id when it is safe to log and forward; mints a new one otherwise. */
export function correlationId(fromSender: string | undefined | null, mint: () => string = () => uuidv7()): string {
  return fromSender && CORRELATION_ID.test(fromSender) ? fromSender : mint();
}
