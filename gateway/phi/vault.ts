import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { Store } from '../store/db.ts';
import { GroupCommit, STORE_WRITE_TIMEOUT_MS } from '../store/group-commit.ts';
import type { PhiKeys } from './keys.ts';
import { phiVault } from './schema.ts';
import type { PatientIdentifier } from './token.ts';

/** What the vault keeps behind a token: the identifiers and whatever demographics the sender gave. */
export interface PhiRecord {
  identifiers: PatientIdentifier[];
  demographics?: Record<string, string>;
}

export class PhiVaultKeyError extends Error {
  constructor(token: string, keyId: string) {
    super(`vault row ${token.slice(0, 12)}… was sealed with key ${keyId}, which this gateway does not hold`);
    this.name = 'PhiVaultKeyError';
  }
}

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export function seal(keys: PhiKeys, token: string, record: PhiRecord): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keys.vaultKey, nonce);
  cipher.setAAD(Buffer.from(token));
  const body = Buffer.concat([cipher.update(JSON.stringify(record), 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

export function unseal(keys: PhiKeys, token: string, sealed: Buffer): PhiRecord {
  const nonce = sealed.subarray(0, NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', keys.vaultKey, nonce);
  decipher.setAAD(Buffer.from(token));
  decipher.setAuthTag(tag);
  const plain = Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  return JSON.parse(plain.toString('utf8')) as PhiRecord;
}

/** How many tokens the vault remembers having written, to skip rewriting what it already holds. */
const WRITTEN_CACHE_SIZE = 50_000;

type VaultRow = typeof phiVault.$inferInsert;

export class PhiVault {
  /** token → digest of the record last written by this process (insertion order = age, for eviction) */
  private readonly written = new Map<string, string>();

  constructor(
    private readonly store: Store,
    private readonly keys: PhiKeys,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Keeps (or replaces) what is known behind a token. The same patient arrives with every message about them;
   * a record identical to the one this process last wrote is not written again.
   */
  async put(token: string, record: PhiRecord): Promise<void> {
    // The records of one token come from the same translator code, so their JSON text is stable without RFC 8785;
    // a record written in another key order is only written once more.
    const digest = createHash('sha256').update(JSON.stringify(record)).digest('base64');
    if (this.written.get(token) === digest) return;
    await this.writes.submit({ token, keyId: this.keys.vaultKeyId, sealed: seal(this.keys, token, record), updatedAt: this.now().toISOString() });
    this.written.delete(token);
    this.written.set(token, digest);
    if (this.written.size > WRITTEN_CACHE_SIZE) this.written.delete(this.written.keys().next().value!);
  }

  /**
   * Concurrent puts (one per message in flight) are written as one upsert. A token twice in a batch keeps the
   * later record, as two puts one after the other would; PostgreSQL refuses to update one row twice in a statement.
   */
  private readonly writes = new GroupCommit<VaultRow>(async (rows) => {
    const latest = [...new Map(rows.map((r) => [r.token, r])).values()];
    await this.store.db
      .insert(phiVault)
      .values(latest)
      .onConflictDoUpdate({ target: phiVault.token, set: { keyId: sql`excluded.key_id`, sealed: sql`excluded.sealed`, updatedAt: sql`excluded.updated_at` } });
  }, { timeoutMs: STORE_WRITE_TIMEOUT_MS });

  /** Keeps a record only when the vault knows nothing of the token yet (a merge's prior identifiers). */
  async putIfAbsent(token: string, record: PhiRecord): Promise<void> {
    const row = { token, keyId: this.keys.vaultKeyId, sealed: seal(this.keys, token, record), updatedAt: this.now().toISOString() };
    await this.store.db.insert(phiVault).values(row).onConflictDoNothing({ target: phiVault.token });
  }

  async get(token: string): Promise<PhiRecord | undefined> {
    const [row] = await this.store.db.select().from(phiVault).where(eq(phiVault.token, token));
    if (!row) return undefined;
    if (row.keyId !== this.keys.vaultKeyId) throw new PhiVaultKeyError(token, row.keyId);
    return unseal(this.keys, token, row.sealed);
  }
}
