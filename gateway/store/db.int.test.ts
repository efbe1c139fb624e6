import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCK_FILE_NAME } from './data-dir-lock.ts';
import { EmbeddedStoreAlreadyOpenError, openStore, StoreUnreachableError } from './db.ts';
import { spawnLockHolder, type LockHolderProcess } from './test-fixtures/child-process.ts';
import { resultRows } from './result-rows.ts';
import { withTestStores } from './test-support.ts';

const stores = await withTestStores();
const children: LockHolderProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await c.exited;
  }
});

describe.each(stores)('store on $kind', ({ kind, store }) => {
  it('answers ping and says which driver it is', async () => {
    expect(store.kind).toBe(kind);
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('rows() gives an array with the same value shapes on both drivers', async () => {
    const rows = await store.rows<{ n: number; big: bigint | number; t: string; j: unknown; b: boolean; num: string }>(sql`
      select 42::int4 as n, 9007199254740993::int8 as big, timestamptz '2026-01-02 03:04:05.678+02' as t,
             '{"b":[1,2],"a":null}'::jsonb as j, true as b, 1.50::numeric as num`);
    expect(rows).toEqual([
      {
        n: 42,
        // beyond 2^53 an int8 cannot be a number without losing digits
        big: 9007199254740993n,
        t: '2026-01-02 01:04:05.678+00',
        j: { a: null, b: [1, 2] },
        b: true,
        num: '1.50',
      },
    ]);
    expect(await store.rows(sql`select 7::int8 as small`)).toEqual([{ small: 7 }]);
    expect(await store.rows(sql`select 1 where false`)).toEqual([]);
  });
});

describe('PostgreSQL store', () => {
  const postgresStore = stores.find((s) => s.kind === 'postgres')!.store;

  it('prepares statements, also inside transactions, so a repeated query is one round trip', async () => {
    // pg_prepared_statements lists the statements prepared on the connection that asks; a transaction keeps one.
    const prepared = await postgresStore.db.transaction(async (tx) => {
      await tx.execute(sql`select ${'rxgate-prepared-probe'}::text as probe`);
      return resultRows<{ statement: string }>(await tx.execute(sql`select statement from pg_prepared_statements`));
    });
    expect(prepared.map((p) => p.statement)).toContain('select $1::text as probe');
  });

  it('ping fails with StoreUnreachableError naming the server but not the password', async () => {
    const unreachable = await openStore({ databaseUrl: 'postgres://postgres:s3cret@127.0.0.1:1/nothing', dataDir: '/nonexistent', poolSize: 1 });
    try {
      const error = await unreachable.ping().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(StoreUnreachableError);
      expect((error as Error).message).toMatch(/^PostgreSQL at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/nothing is unreachable: /);
      expect((error as Error).message).not.toContain('s3cret');
    } finally {
      await unreachable.close();
    }
  });
});

describe('embedded (PGlite) store and the data-dir lock', () => {
  const pglite = stores.find((s) => s.kind === 'pglite')!;

  it('holds the data-dir lock while open: another process is refused', async () => {
    expect(existsSync(join(pglite.dataDir, LOCK_FILE_NAME))).toBe(true);
    const other = spawnLockHolder(pglite.dataDir);
    children.push(other);
    const outcome = await other.outcome;
    expect(outcome).toMatchObject({ locked: false, code: 3 });
    if (!outcome.locked) expect(outcome.stderr).toContain(`is in use by another gateway (pid ${process.pid})`);
  });

  it('runs with fsync on and the WAL opened O_DSYNC, so a commit is on disk when it returns', async () => {
    expect(await pglite.store.rows(sql`select current_setting('fsync') as fsync, current_setting('wal_sync_method') as method`)).toEqual([
      { fsync: 'on', method: 'open_datasync' },
    ]);
  });

  it('refuses to open the same folder twice in one process', async () => {
    await expect(openStore({ dataDir: pglite.dataDir })).rejects.toThrow(EmbeddedStoreAlreadyOpenError);
    // The refused attempt gave back its share of the lock: the first store still holds it.
    expect(existsSync(join(pglite.dataDir, LOCK_FILE_NAME))).toBe(true);
    await expect(pglite.store.ping()).resolves.toBeUndefined();
  });

  it('releases the lock on close, keeps the data, and can be opened again', async () => {
    await pglite.store.rows(sql`create table if not exists kept (v text)`);
    await pglite.store.rows(sql`insert into kept values ('still here')`);
    await pglite.store.close();
    await pglite.store.close(); // twice is harmless
    expect(existsSync(join(pglite.dataDir, LOCK_FILE_NAME))).toBe(false);

    const reopened = await openStore({ dataDir: pglite.dataDir });
    try {
      expect(await reopened.rows(sql`select v from kept`)).toEqual([{ v: 'still here' }]);
    } finally {
      await reopened.close();
    }
  });
});

