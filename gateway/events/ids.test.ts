import { describe, expect, it } from 'vitest';
import { correlationId, idempotencyKey, scanIdempotencyKey, sha256Hex, uuidv7 } from './ids.ts';

describe('ids', () => {
  it('builds a UUIDv7 from the time and random bits it is given (RFC 9562 layout)', () => {
    // 2024-01-01T00:00:00.000Z = 1704067200000 ms = 0x018cc251f400
    const id = uuidv7(1704067200000, new Uint8Array(10).fill(0xff));
    expect(id).toBe('018cc251-f400-7fff-bfff-ffffffffffff');
    expect(uuidv7()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('sorts UUIDv7 by time', () => {
    expect(uuidv7(1000) < uuidv7(2000)).toBe(true);
  });

  it('hashes sha256 as lowercase hex', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('derives the idempotency key from sender, message id and payload hash, without ambiguous joins', () => {
    const a = idempotencyKey('LAB^HOSP', '123', 'f'.repeat(64));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(idempotencyKey('LAB^HOSP', '123', 'f'.repeat(64))).toBe(a);
    expect(idempotencyKey('LAB^HOSP', '124', 'f'.repeat(64))).not.toBe(a);
    expect(idempotencyKey('a|b', 'c', 'f'.repeat(64))).not.toBe(idempotencyKey('a', 'b|c', 'f'.repeat(64)));
  });

  it('uses the seed recipe for scans', () => {
    expect(scanIdempotencyKey('S1', '2026-01-01T00:00:00Z', 'ab')).toBe(sha256Hex('S1|2026-01-01T00:00:00Z|ab'));
  });

  it('keeps a safe correlation id from the sender and mints one otherwise', () => {
    expect(correlationId('abc-123', () => 'minted')).toBe('abc-123');
    expect(correlationId('has space', () => 'minted')).toBe('minted');
    expect(correlationId('x'.repeat(129), () => 'minted')).toBe('minted');
    expect(correlationId(undefined, () => 'minted')).toBe('minted');
  });
});
