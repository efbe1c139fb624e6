/**
 * Test support for the translator tests (not used by product code): the real drug resolver built from a few
 * in-memory rows, deterministic contexts, messages from segment lines.
 */
import { createDrugResolver, type CachedDrugResolver } from '../../../mappings/resolver.ts';
import type { DeaSchedule } from '../../../mappings/schedule.ts';
import { parseMessage } from '../parse.ts';
import type { Hl7Message } from '../message.ts';
import type { DrugCode, DrugResolver, TranslateContext } from './types.ts';

/** One known drug package: its NDC-11, optionally its RxNorm CUI, and its mapped DEA schedule. */
export interface DrugRow {
  ndc11: string;
  rxnorm?: string;
  schedule: DeaSchedule;
}

/** mappings/resolver.ts's CachedDrugResolver over these rows (drug table + schedule mappings). */
export function resolverWith(rows: readonly DrugRow[] = []): CachedDrugResolver {
  return createDrugResolver({
    drugs: rows.map((r) => ({ ndc11: r.ndc11, rxnorm_cui: r.rxnorm ?? null })),
    schedules: rows.map((r) => ({ ndc11: r.ndc11, schedule: r.schedule })),
  });
}

/** Records what a resolver was asked. */
export function spying(resolver: DrugResolver): DrugResolver & { calls: { codes: DrugCode[]; facilityId: string }[] } {
  const calls: { codes: DrugCode[]; facilityId: string }[] = [];
  return {
    calls,
    resolve(codes, facilityId) {
      calls.push({ codes, facilityId });
      return resolver.resolve(codes, facilityId);
    },
  };
}

export const TOKEN_KEY = Buffer.alloc(32, 0x5a);
export const RAW_SHA = 'ab'.repeat(32);

/** A context with deterministic ids and time; `overrides` replace any part. */
export function testContext(overrides: Partial<TranslateContext> = {}): TranslateContext {
  let n = 0;
  return {
    receivedAt: new Date('2024-05-01T12:00:00.000Z'),
    newId: () => `01900000-0000-7000-8000-${(++n).toString(16).padStart(12, '0')}`,
    rawSha256: RAW_SHA,
    correlationId: 'test-correlation',
    facility: { defaultId: 'fac-default', map: { HOSP: 'fac-hosp', PHARM: 'fac-pharm', WARD9: 'fac-ward9' } },
    tokenKey: TOKEN_KEY,
    drugs: resolverWith(),
    defaultTimeZone: 'UTC',
    ...overrides,
  };
}

/** A message from segment lines (joined with CR). */
export function hl7(...lines: string[]): Hl7Message {
  return parseMessage(lines.join('\r'));
}
