import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll } from 'vitest';
import { openStore, type Store, type StoreKind } from './db.ts';
import { migrateStore } from './migrate.ts';
import { retryWhileServerUnreachable } from '../os/wait-for-server.ts';
import { isStoreUnreachable } from './pg-errors.ts';

/**
 * Real databases for integration tests, on both backends; never a mock of PostgreSQL.
 *
 * The usual way, one store per backend for the whole test file (call at the top level of the file, with await):
 *
 *   const stores = await withTestStores();               // fresh migrated PostgreSQL database + fresh PGlite dir
 *   describe.each(stores)('ledger on $kind', ({ store }) => {
 *     it('...', async () => { await appendEvents(store, ...) });
 *   });
 *
 * Options: `{ kinds: ['postgres'] }` for one backend, `{ poolSize: 4 }`, `{ migrate: false }` for an empty schema.
 * Everything is closed, dropped and deleted in an afterAll hook. PGlite takes 3-6 s to start, so open one per file.
 *
 * Lower level: openTestStore(kind) for one store you dispose() yourself; createTestDatabase() for an empty
 * PostgreSQL database (not migrated) whose URL you hand to a gateway under test, then drop().
 * PostgreSQL is reached at TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), where each fresh
 * database is created and from where it is dropped.
 */

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  name: string;
  url: string;
  /** Drops the database, closing whatever connections are still open on it. */
  drop(): Promise<void>;
}

export interface TestStore {
  kind: StoreKind;
  store: Store;
  /** The PostgreSQL database URL (postgres) ... */
  databaseUrl?: string;
  /** ... or the temporary DATA_DIR (pglite; for postgres an unused temporary folder). */
  dataDir: string;
  dispose(): Promise<void>;
}

export interface TestStoreOptions {
  /** postgres.js pool size (default 4, so concurrency is real). */
  poolSize?: number;
  /** Apply migrations (default true). */
  migrate?: boolean;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `rxgate_t_${randomBytes(6).toString('hex')}`;
  await withAdminConnection((sql) => sql.unsafe(`create database "${name}"`));
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await withAdminConnection((sql) => sql.unsafe(`drop database if exists "${name}" with (force)`));
    },
  };
}

export async function openTestStore(kind: StoreKind, opts: TestStoreOptions = {}): Promise<TestStore> {
  const dataDir = await mkdtemp(join(tmpdir(), 'rxgate-store-'));
  const database = kind === 'postgres' ? await createTestDatabase() : undefined;
  let store: Store | undefined;
  const dispose = async () => {
    try {
      await store?.close();
    } finally {
      await database?.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  };
  try {
    store = await openStore({ databaseUrl: database?.url, dataDir, poolSize: opts.poolSize ?? 4 });
    // Integration files run two at a time on shared cores; a slow first connection is waited for, as a gateway would.
    if (opts.migrate ?? true) await migrateStore(store, { waitMs: 60_000 });
  } catch (error) {
    await dispose();
    throw error;
  }
  return { kind, store, ...(database ? { databaseUrl: database.url } : {}), dataDir, dispose };
}

export async function withTestStores(opts: TestStoreOptions & { kinds?: StoreKind[] } = {}): Promise<TestStore[]> {
  const kinds = opts.kinds ?? (['postgres', 'pglite'] as const);
  const opened = await Promise.allSettled(kinds.map((kind) => openTestStore(kind, opts)));
  const stores = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  const failed = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) {
    await Promise.all(stores.map((s) => s.dispose()));
    throw failed.reason;
  }
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.dispose()));
  });
  return stores;
}

async function withAdminConnection(work: (sql: postgres.Sql) => Promise<unknown>): Promise<void> {
  const sql = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await retryWhileServerUnreachable(() => work(sql), { server: 'PostgreSQL', waitMs: 60_000, isUnreachable: isStoreUnreachable });
  } finally {
    await sql.end({ timeout: 5 });
  }
}
