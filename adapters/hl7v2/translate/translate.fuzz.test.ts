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
const pharmacy = /RDE|RDS|OMP|VXU|IZ_|ADT/;
const corpus = readdirSync(dir)
  .filter((f) => /\.(hl7|er7)$/.test(f) && pharmacy.test(f))
  .map((f) => readFileSync(join(dir, f), 'latin1'));
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
