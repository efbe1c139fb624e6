import { afterEach, describe, expect, it } from 'vitest';
import { startOutageProxy, type OutageProxy } from '../outage-proxy.ts';
import { createPostgresClient, reconnectDelaySeconds } from './postgres-client.ts';
import { TEST_DATABASE_URL } from './test-support.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe('the PostgreSQL pool', () => {
  it('waits at most ~2 s between reconnection attempts, however many failed', () => {
    expect(reconnectDelaySeconds(0, () => 0.5)).toBeCloseTo(0.05);
    expect(reconnectDelaySeconds(3, () => 0.5)).toBeCloseTo(0.4);
    expect(reconnectDelaySeconds(40, () => 0.5)).toBe(2);
    expect(reconnectDelaySeconds(40, () => 1)).toBe(2.5);
    expect(reconnectDelaySeconds(40, () => 0)).toBe(1.5);
  });

  it('answers again within seconds of PostgreSQL coming back after an outage with many failed attempts', async () => {
    let proxy: OutageProxy | undefined = await startOutageProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
    cleanups.push(async () => proxy?.close());
    const url = new URL(TEST_DATABASE_URL);
    url.port = String(proxy.port);
    const sql = createPostgresClient(url.toString(), 4);
    cleanups.push(() => sql.end({ timeout: 1 }));
    expect((await sql`select 1 as one`)[0]).toEqual({ one: 1 });

    await proxy.cut();
    // Four callers keep asking through the outage, as the ledger writer, the vault and the edges do: every attempt
    // fails, and each failure lengthens postgres.js's own wait before the next connection attempt (up to 20 s).
    const outageEnds = Date.now() + 3000;
    let failures = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (Date.now() < outageEnds) {
          await sql`select 1`.catch(() => failures++);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }),
    );
    expect(failures).toBeGreaterThan(10);
    await proxy.restore();

    // Until its next connection attempt the pool may still refuse a query with the last connect error; callers
    // retry (the ledger writer in place, an edge by asking its sender to resend), so what counts is how soon a
    // retry gets an answer.
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        for (;;) {
          try {
            return await sql`select ${i}::int as n`;
          } catch (error) {
            if (Date.now() - started > 10_000) throw error;
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        }
      }),
    );
    expect(answers.map((rows) => rows[0]!.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Date.now() - started).toBeLessThan(4000);
  });
});
