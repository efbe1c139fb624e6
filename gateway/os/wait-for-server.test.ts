import { describe, expect, it } from 'vitest';
import { isStoreUnreachable } from '../store/pg-errors.ts';
import { retryWhileServerUnreachable, ServerWaitExpiredError, type ServerWait } from './wait-for-server.ts';

const postgres = (wait: Omit<ServerWait, 'server' | 'isUnreachable'>): ServerWait => ({ ...wait, server: 'PostgreSQL', isUnreachable: isStoreUnreachable });

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('retryWhileServerUnreachable', () => {
  it('tries again while the server refuses, with growing pauses, and returns what the work returns', async () => {
    let calls = 0;
    const retries: { server: string; attempt: number; delayMs: number; error: string }[] = [];
    const result = await retryWhileServerUnreachable(
      async () => {
        if (++calls < 4) throw refused();
        return 'migrated';
      },
      postgres({ waitMs: 10_000, onRetry: (r) => retries.push(r) }),
    );
    expect(result).toBe('migrated');
    expect(retries.map((r) => [r.attempt, r.delayMs])).toEqual([
      [1, 250],
      [2, 500],
      [3, 1000],
    ]);
    expect(retries[0]).toMatchObject({ server: 'PostgreSQL', error: 'connect ECONNREFUSED 127.0.0.1:5432' });
  });

  it('throws any other failure at once, even with time left', async () => {
    let calls = 0;
    const syntax = Object.assign(new Error('syntax error at or near "tabel"'), { code: '42601' });
    await expect(
      retryWhileServerUnreachable(async () => {
        calls++;
        throw new Error('Failed query: create tabel', { cause: syntax });
      }, postgres({ waitMs: 10_000 })),
    ).rejects.toThrow('Failed query: create tabel');
    expect(calls).toBe(1);
  });

  it('with no wait, tries once and throws the driver error itself', async () => {
    let calls = 0;
    const error = refused();
    await expect(
      retryWhileServerUnreachable(async () => {
        calls++;
        throw error;
      }, postgres({ waitMs: 0 })),
    ).rejects.toBe(error);
    expect(calls).toBe(1);
  });

  it('gives up when the wait is over, saying how many tries over how long and why', async () => {
    let calls = 0;
    const started = performance.now();
    const failure = await retryWhileServerUnreachable(async () => {
      calls++;
      throw Object.assign(new Error('the database system is starting up'), { code: '57P03' });
    }, postgres({ waitMs: 600 })).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ServerWaitExpiredError);
    // 250 + 350 (the rest of the wait) ms of pauses: three tries.
    expect(calls).toBe(3);
    expect((failure as ServerWaitExpiredError).attempts).toBe(3);
    expect((failure as Error).message).toMatch(/^PostgreSQL did not accept a connection in 3 attempts over 1 s: the database system is starting up$/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(590);
  });
});
