import { describe, expect, it } from 'vitest';
import { isRetryableWriteConflict, isStoreUnavailable, isStoreUnreachable, rootMessage, sqlState } from './pg-errors.ts';

function driverError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('pg-errors', () => {
  it('finds the SQLSTATE on the error or under drizzle-style causes', () => {
    expect(sqlState(driverError('23505', 'duplicate key'))).toBe('23505');
    expect(sqlState(new Error('Failed query: insert ...', { cause: driverError('40P01', 'deadlock detected') }))).toBe('40P01');
    expect(sqlState(Object.assign(new Error('fs'), { code: 'ENOENT' }))).toBeUndefined();
    expect(sqlState('not an error')).toBeUndefined();
  });

  it('retries unique violations, serialization failures and deadlocks only', () => {
    expect(isRetryableWriteConflict(driverError('23505', ''))).toBe(true);
    expect(isRetryableWriteConflict(driverError('40001', ''))).toBe(true);
    expect(isRetryableWriteConflict(driverError('40P01', ''))).toBe(true);
    expect(isRetryableWriteConflict(driverError('23502', ''))).toBe(false);
    expect(isRetryableWriteConflict(new Error('no code'))).toBe(false);
  });

  it('tells a server that cannot be reached from one that refused the work', () => {
    for (const code of ['ECONNREFUSED', 'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'ENOTFOUND', 'EAI_AGAIN', '57P03', '53300', '08006']) {
      expect(isStoreUnreachable(new Error('Failed query', { cause: driverError(code, '') })), code).toBe(true);
      expect(isStoreUnavailable(driverError(code, '')), code).toBe(true);
    }
    // A write conflict is worth retrying, but the server was there.
    expect(isStoreUnreachable(driverError('40001', ''))).toBe(false);
    expect(isStoreUnavailable(driverError('40001', ''))).toBe(true);
    expect(isStoreUnreachable(driverError('42601', ''))).toBe(false);
    expect(isStoreUnreachable(new Error('no code'))).toBe(false);
  });

  it('reports the innermost message', () => {
    expect(rootMessage(new Error('Failed query: select 1', { cause: new Error('connection refused') }))).toBe('connection refused');
    expect(rootMessage(new Error('plain'))).toBe('plain');
  });
});
