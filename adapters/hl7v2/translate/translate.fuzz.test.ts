/**
 * Damaged corpus messages through parse and translate: whatever parses must translate without an exception, and
 * every event it gives must satisfy the canonical schema. (The parser and listener have their own fuzzing.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalEventSchema } from '../../../gateway/events/schema.ts';
import { parseMessage } from '../parse.ts';
import { createPrng } from '../testing/prng.ts';
import { translate } from './translate.ts';
import { resolverWith, testContext } from './test-support.ts';

/** The adapter's seeded PRNG (testing/prng.ts), so a failure can be replayed. */
function prng(seed: number): () => number {
  const p = createPrng(seed);
  return () => p.next();
}

const dir = resolve(import.meta.dirname, '../../../conformance/hl7v2');
const pharmacy = /RDE|RDS|OMP|VXU|IZ_|ADT|ORU|LRI|realm|nist/;
const files = readdirSync(dir)
  .filter((f) => /\.(hl7|er7)$/.test(f) && pharmacy.test(f))
  .map((f) => readFileSync(join(dir, f), 'latin1'));
// The corpus has no pending or leave-of-absence ADT: its admissions (those without a byte-order mark) retold as those,
// their PV2 (PV2-8, 9 and 47 empty) replaced by one with expected admit, discharge (PV2-8/9) and return (PV2-47) times.
const pv2 = `PV2${'|'.repeat(8)}20240501|202405021400${'|'.repeat(38)}20240503`;
const pending = files
  .filter((text) => text.startsWith('MSH|') && /\|ADT\^A0[1-8]/.test(text))
  .flatMap((text) => {
    const lines = text.split(/\r\n|\r|\n/).filter((line) => line.trim() !== '' && !line.startsWith('PV2|'));
    return ['A15', 'A16', 'A21'].map((trigger) => [...lines, pv2].join('\r').replace(/\|ADT\^A0\d/, `|ADT^${trigger}`));
  });
// Nor a swap (A17): the same admissions with their patient group (PID onwards) told twice, as the swap's two patients.
const swaps = files
  .filter((text) => text.startsWith('MSH|') && /\|ADT\^A0[1-8]/.test(text))
  .map((text) => {
    const lines = text.split(/\r\n|\r|\n/).filter((line) => line.trim() !== '');
    const patientGroup = lines.slice(lines.findIndex((line) => line.startsWith('PID|')));
    return [...lines, ...patientGroup].join('\r').replace(/\|ADT\^A0\d/, '|ADT^A17');
  });
const corpus = [...files, ...pending, ...swaps];
const pieces = ['|', '^', '~', '&', '\\', '""', '\r', 'ZZ', '20241301', '99999999999999+9999', 'CA', 'RF', '-', '0093005801', 'x'.repeat(80), ''];

function damage(text: string, rnd: () => number): string {
  let out = text;
  const edits = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < edits; i++) {
    const at = 4 + Math.floor(rnd() * Math.max(1, out.length - 4)); // keep "MSH|" so most inputs still parse
    const cut = Math.floor(rnd() * 12);
    out = out.slice(0, at) + pieces[Math.floor(rnd() * pieces.length)]! + out.slice(at + cut);
  }
  return out;
}

describe('translate on damaged messages', () => {
  it('starts from pending and leave-of-absence seeds that translate undamaged', () => {
    const ctx = testContext({ defaultTimeZone: 'America/Chicago' });
    expect(pending.length).toBeGreaterThanOrEqual(6);
    for (const text of pending) {
      const [event] = translate(parseMessage(text), ctx).events;
      expect(event?.payload).toMatchObject({ expected_discharge_at: '2024-05-02T19:00:00.000Z', expected_return_at: '2024-05-03T05:00:00.000Z' });
    }
  });

  it('starts from swap seeds that translate undamaged', () => {
    const ctx = testContext({ defaultTimeZone: 'America/Chicago' });
    expect(swaps.length).toBeGreaterThanOrEqual(2);
    for (const text of swaps) {
      const result = translate(parseMessage(text), ctx);
      expect(result.errors).toEqual([]);
      expect(result.events.map((e) => [e.payload.action, (e.payload.hl7v2 as { pair: number }).pair])).toEqual([
        ['swap', 1],
        ['swap', 2],
      ]);
    }
  });

  it('never throws and only emits schema-valid events (3,000 mutations, seed 7)', () => {
    const rnd = prng(7);
    const ctx = testContext({ drugs: resolverWith([{ ndc11: '00093005801', schedule: 'II' }]), defaultTimeZone: 'America/Chicago' });
    let translated = 0;
    for (let i = 0; i < 3000; i++) {
      const text = damage(corpus[i % corpus.length]!, rnd);
      let message;
      try {
        message = parseMessage(text);
      } catch {
        continue;
      }
      const result = translate(message, ctx);
      translated++;
      for (const e of result.events) expect(canonicalEventSchema.safeParse(e).success, `mutation ${i}`).toBe(true);
      for (const issue of result.errors) expect([100, 101, 102, 103, 207]).toContain(issue.code);
    }
    expect(translated).toBeGreaterThan(1000);
  });
});
