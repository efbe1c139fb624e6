import { mkdir, realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations, SQL } from 'drizzle-orm';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { lockDataDir, type DataDirLock } from './data-dir-lock.ts';
import { durablePgliteStartParams } from './pglite-durability.ts';
import { rootMessage } from './pg-errors.ts';
import { createPostgresClient, redactDatabaseUrl } from './postgres-client.ts';
import { preparingClient } from './prepared-statements.ts';
import { resultRows } from './result-rows.ts';
import * as schema from './schema.ts';

/**
 * The store: PostgreSQL through postgres.js in production, PGlite (the same schema and migrations) embedded in
 * DATA_DIR otherwise. Code above this file sees one drizzle database type and never asks which driver it has,
 * except through `kind` where SQL genuinely differs.
 */

export type StoreKind = 'postgres' | 'pglite';
export type StoreSchema = typeof schema;
/** The drizzle database, typed as the common base of the postgres-js and pglite drivers. */
export type StoreDb = PgDatabase<PgQueryResultHKT, StoreSchema>;
/** What `db.transaction(tx => ...)` hands over; inside it use only `tx` (touching `db` deadlocks on PGlite). */
export type StoreTx = PgTransaction<PgQueryResultHKT, StoreSchema, ExtractTablesWithRelations<StoreSchema>>;

export interface Store {
  kind: StoreKind;
  db: StoreDb;
  /**
   * Runs raw SQL and returns the rows as an array on both drivers. Values come back alike on both: timestamps as
   * PostgreSQL text in UTC, int8 as numbers (BigInt beyond 2^53), numeric as text, jsonb parsed.
   */
  rows<T = Record<string, unknown>>(query: SQL): Promise<T[]>;
  /** Throws StoreUnreachableError if the database does not answer. */
  ping(): Promise<void>;
  /** Ends the pool, or closes PGlite and releases the data-dir lock. Safe to call twice. */
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Set: PostgreSQL through postgres.js. Unset: embedded PGlite in `${dataDir}/pg`. */
  databaseUrl?: string;
  dataDir: string;
  /** postgres.js pool size (default 10); ignored for PGlite, which has one connection. */
  poolSize?: number;
}

export class StoreUnreachableError extends Error {
  constructor(
    readonly kind: StoreKind,
    /** The redacted URL or the data folder. */
    readonly target: string,
    override readonly cause: unknown,
  ) {
    super(`${kind === 'postgres' ? 'PostgreSQL' : 'embedded PGlite'} at ${target} is unreachable: ${rootMessage(cause)}`);
    this.name = 'StoreUnreachableError';
  }
}

export class EmbeddedStoreOpenError extends Error {
  constructor(
    readonly dataDir: string,
    override readonly cause: unknown,
  ) {
    super(`could not open the embedded database in ${join(dataDir, 'pg')}: ${rootMessage(cause)}`);
    this.name = 'EmbeddedStoreOpenError';
  }
}

/**
 * The data-dir lock is shared within a process (reference-counted), so it cannot stop this process from opening
 * PGlite twice on one folder, which loses writes just like two processes would; this can.
 */
export class EmbeddedStoreAlreadyOpenError extends Error {
  constructor(readonly dataDir: string) {
    super(`the embedded database in ${dataDir} is already open in this process; share that store instead of opening it again`);
    this.name = 'EmbeddedStoreAlreadyOpenError';
  }
}

const openPgliteFolders = new Set<string>();

/** The URL of a PostgreSQL store, for the one caller (the migrator) that needs a connection of its own. */
const postgresUrls = new WeakMap<Store, string>();

export function databaseUrlOf(store: Store): string {
  const url = postgresUrls.get(store);
  if (url === undefined) throw new TypeError(`a ${store.kind} store has no database URL`);
  return url;
}

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  return opts.databaseUrl ? openPostgresStore(opts.databaseUrl, opts.poolSize ?? 10) : openPgliteStore(opts.dataDir);
}

function openPostgresStore(databaseUrl: string, poolSize: number): Store {
  // postgres.js connects lazily: opening never fails for an unreachable server; ping() is the check.
  const client = createPostgresClient(databaseUrl, poolSize);
  const db = drizzlePostgres({ client: preparingClient(client), schema }) as unknown as StoreDb;
  const target = redactDatabaseUrl(databaseUrl);
  let closing: Promise<void> | undefined;
  const store: Store = {
    kind: 'postgres',
    db,
    rows: async <T>(query: SQL) => resultRows<T>(await db.execute(query)),
    ping: async () => {
      try {
        await client`select 1`;
      } catch (error) {
        throw new StoreUnreachableError('postgres', target, error);
      }
    },
    close: () => (closing ??= client.end({ timeout: 5 })),
  };
  postgresUrls.set(store, databaseUrl);
  return store;
}

async function openPgliteStore(dataDir: string): Promise<Store> {
  const lock = await lockDataDir(dataDir);
  let pgDir = resolve(dataDir, 'pg');
  try {
    await mkdir(pgDir, { recursive: true });
    pgDir = await realpath(pgDir);
  } catch (error) {
    await lock.release();
    throw new EmbeddedStoreOpenError(dataDir, error);
  }
  if (openPgliteFolders.has(pgDir)) {
    await lock.release();
    throw new EmbeddedStoreAlreadyOpenError(dataDir);
  }
  openPgliteFolders.add(pgDir);
  let client: PGlite;
  let drizzlePglite: typeof import('drizzle-orm/pglite').drizzle;
  try {
    // Loaded only here: a gateway on PostgreSQL never needs PGlite, whose code would be ~4 MB of live heap that
    // every full garbage collection marks again (README, Performance).
    const [pglite, drizzleModule] = await Promise.all([import('@electric-sql/pglite'), import('drizzle-orm/pglite')]);
    drizzlePglite = drizzleModule.drizzle;
    client = await pglite.PGlite.create(pgDir, { startParams: durablePgliteStartParams(pglite.PGlite.defaultStartParams) });
    await client.exec(`SET TimeZone = 'UTC'`);
  } catch (error) {
    openPgliteFolders.delete(pgDir);
    await lock.release();
    throw new EmbeddedStoreOpenError(dataDir, error);
  }
  const db = drizzlePglite({ client, schema }) as unknown as StoreDb;
  let closing: Promise<void> | undefined;
  return {
    kind: 'pglite',
    db,
    rows: async <T>(query: SQL) => resultRows<T>(await db.execute(query)),
    ping: async () => {
      try {
        await db.execute(sql`select 1`);
      } catch (error) {
        throw new StoreUnreachableError('pglite', dataDir, error);
      }
    },
    close: () => (closing ??= closePglite(client, pgDir, lock)),
  };
}

async function closePglite(client: PGlite, pgDir: string, lock: DataDirLock): Promise<void> {
  try {
    if (!client.closed) await client.close();
  } finally {
    openPgliteFolders.delete(pgDir);
    // Only after PGlite has flushed and let go of its files may another process open the folder.
    await lock.release();
  }
}
