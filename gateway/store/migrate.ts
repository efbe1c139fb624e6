import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { databaseUrlOf, type Store, type StoreKind } from './db.ts';
import { retryWhileServerUnreachable, type StartupWait } from '../os/wait-for-server.ts';
import { isStoreUnreachable, rootMessage } from './pg-errors.ts';
import { createPostgresClient } from './postgres-client.ts';

/** migrations/ at the repository root, found from this file so that the working directory does not matter. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations/', import.meta.url));

/**
 * Session advisory lock held while migrating PostgreSQL, so two gateways starting together do not both apply the
 * same migration (drizzle's migrator reads the applied list, then applies the rest, with nothing in between).
 * Any fixed bigint would do; this one is "rxgate migrate" in no particular encoding, just unlikely to collide.
 */
const MIGRATION_LOCK_KEY = 7_243_901_556_012_001;

export class MigrationError extends Error {
  constructor(
    readonly kind: StoreKind,
    readonly folder: string,
    override readonly cause: unknown,
  ) {
    super(`migrating the ${kind} store from ${folder} failed: ${rootMessage(cause)}`);
    this.name = 'MigrationError';
  }
}

/** Migrations in flight per store: calls in one process take turns (PGlite has no advisory lock to do it for us). */
const inFlight = new WeakMap<Store, Promise<void>>();

/**
 * Applies every migration not yet applied; running it again, or several at once, changes nothing more. This is the
 * gateway's first use of PostgreSQL, so it is where a start waits for a server that is not up yet: `waitForServer`
 * (default: one try) says how long.
 */
export function migrateStore(store: Store, waitForServer: StartupWait = { waitMs: 0 }): Promise<void> {
  const previous = inFlight.get(store) ?? Promise.resolve();
  const mine = previous.catch(() => {}).then(() => migrateOnce(store, waitForServer));
  inFlight.set(store, mine);
  return mine;
}

async function migrateOnce(store: Store, waitForServer: StartupWait): Promise<void> {
  const config = { migrationsFolder: MIGRATIONS_FOLDER };
  if (!existsSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'))) {
    throw new MigrationError(store.kind, MIGRATIONS_FOLDER, new Error('meta/_journal.json is missing (run `npx drizzle-kit generate`)'));
  }
  try {
    if (store.kind === 'pglite') {
      // One process (the data-dir lock) and one migration at a time in it (above): nothing to race with.
      const { migrate: migratePglite } = await import('drizzle-orm/pglite/migrator'); // only embedded stores load PGlite
      await migratePglite(store.db as unknown as PgliteDatabase, config);
    } else {
      const databaseUrl = databaseUrlOf(store);
      await retryWhileServerUnreachable(() => migratePostgresUnderLock(databaseUrl, config), {
        ...waitForServer,
        server: 'PostgreSQL',
        isUnreachable: isStoreUnreachable,
      });
    }
  } catch (error) {
    throw new MigrationError(store.kind, MIGRATIONS_FOLDER, error);
  }
}

/**
 * A session advisory lock belongs to one connection, and postgres.js cannot run a transaction on a reserved pool
 * connection, so the lock and the migration share a dedicated single-connection client. That also keeps the
 * store's own pool (which may have one connection) free.
 */
async function migratePostgresUnderLock(databaseUrl: string, config: { migrationsFolder: string }): Promise<void> {
  const client = createPostgresClient(databaseUrl, 1);
  try {
    await client`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    try {
      await migratePostgres(drizzlePostgres({ client }), config);
    } finally {
      await client`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
    }
  } finally {
    await client.end({ timeout: 5 });
  }
}
