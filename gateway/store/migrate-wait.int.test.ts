import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '../bus/embedded-nats.ts';
import { openStore } from './db.ts';
import { migrateStore } from './migrate.ts';
import { createTestDatabase, TEST_DATABASE_URL } from './test-support.ts';
import { lateProxy } from '../os/test-support.ts';
import { ServerWaitExpiredError } from '../os/wait-for-server.ts';

describe('a start before PostgreSQL is up', () => {
  it('waits for the server and then migrates, warning on each refused try', async () => {
    const database = await createTestDatabase();
    const port = await freeLoopbackPort();
    const proxy = lateProxy(port, new URL(TEST_DATABASE_URL));
    afterAll(async () => {
      await proxy.close();
      await database.drop();
    });
    const url = new URL(database.url);
    url.port = String(port);
    const store = await openStore({ databaseUrl: url.toString(), dataDir: '/unused', poolSize: 1 });
    try {
      const retries: string[] = [];
      const migrating = migrateStore(store, { waitMs: 30_000, onRetry: (r) => retries.push(r.error) });
      setTimeout(() => void proxy.open(), 1_200);
      await migrating;
      expect(retries.length).toBeGreaterThanOrEqual(2);
      expect(retries[0]).toContain('ECONNREFUSED');
      expect(await store.rows<{ n: number }>(sql`select count(*)::int as n from ledger`)).toEqual([{ n: 0 }]);
    } finally {
      await store.close();
    }
  });

  it('gives up after the configured wait with one line that says so', async () => {
    const port = await freeLoopbackPort();
    const store = await openStore({ databaseUrl: `postgres://postgres@127.0.0.1:${port}/nowhere`, dataDir: '/unused', poolSize: 1 });
    try {
      const failure = await migrateStore(store, { waitMs: 1_000 }).catch((e: unknown) => e);
      expect((failure as Error).message).toMatch(/^migrating the postgres store from .* failed: PostgreSQL did not accept a connection in \d+ attempts over 1 s: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
      expect((failure as Error & { cause: unknown }).cause).toBeInstanceOf(ServerWaitExpiredError);
    } finally {
      await store.close();
    }
  });
});
