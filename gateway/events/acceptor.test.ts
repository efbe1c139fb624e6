import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseMessage } from '../../adapters/hl7v2/parse.ts';
import { createPrng } from '../../adapters/hl7v2/testing/prng.ts';
import { resolverWith, testContext } from '../../adapters/hl7v2/translate/test-support.ts';
import { translate } from '../../adapters/hl7v2/translate/translate.ts';
import { compileAcceptor } from './acceptor.ts';
import { acceptsCanonicalEvent, canonicalEventSchema } from './schema.ts';

/** The acceptor and zod give the same verdict on every value. */
function expectSameVerdicts(schema: z.ZodType, values: readonly unknown[]): void {
  const accepts = compileAcceptor(schema);
  for (const value of values) expect(accepts(value), JSON.stringify(value) ?? String(value)).toBe(schema.safeParse(value).success);
}

describe('compileAcceptor: the verdicts of the zod schema it is compiled from', () => {
  it('strings with lengths, patterns and formats', () => {
    expectSameVerdicts(z.string().min(2).max(4), ['ab', 'abcd', 'a', 'abcde', '', 7, null, undefined]);
    expectSameVerdicts(z.string().regex(/^pt_[0-9a-f]{4}$/), ['pt_00af', 'pt_00AF', 'pt_00a', 'xpt_00af', 1]);
    expectSameVerdicts(z.uuid({ version: 'v7' }), ['0190f3c2-7b1e-7cde-8f00-0123456789ab', '0190f3c2-7b1e-4cde-8f00-0123456789ab', 'nope']);
    expectSameVerdicts(z.iso.datetime({ offset: true }), ['2024-05-01T12:00:00.000Z', '2024-05-01T12:00:00+02:00', '2024-02-30T12:00:00Z', '2024-05-01', '2024-05-01T12:00']);
    expectSameVerdicts(z.iso.date(), ['2024-02-29', '2023-02-29', '2024-13-01', '20240501']);
  });

  it('numbers with integer and range checks, refusing NaN and the infinities as zod does', () => {
    expectSameVerdicts(z.number().int().min(0).max(90), [0, 90, 45, -1, 91, 1.5, NaN, Infinity, -Infinity, '5', 2 ** 53]);
    expectSameVerdicts(z.number().gt(0).lt(1), [0, 1, 0.5, -0]);
    expectSameVerdicts(z.number(), [0, -3.25, NaN, Infinity, null]);
  });

  it('enums, literals, booleans, unknowns, optionals and nullables', () => {
    expectSameVerdicts(z.enum(['valid', 'invalid']), ['valid', 'invalid', 'VALID', '', undefined]);
    expectSameVerdicts(z.literal('rx.dispense'), ['rx.dispense', 'rx.dispense ', 1]);
    expectSameVerdicts(z.boolean().optional(), [true, false, undefined, 'true', 0, null]);
    expectSameVerdicts(z.string().nullable(), ['x', null, undefined]);
    expectSameVerdicts(z.unknown(), [undefined, null, {}, 'x']);
  });

  it('objects: required and optional keys, unknown keys kept (loose) or dropped (plain), refinements', () => {
    const shape = { code: z.string().min(1), display: z.string().optional() };
    const values = [{ code: 'A' }, { code: 'A', display: 'x' }, { code: '' }, {}, { display: 'x' }, { code: 'A', extra: 1 }, { code: 'A', display: undefined }, [], null, 'A'];
    expectSameVerdicts(z.looseObject(shape), values);
    expectSameVerdicts(z.object(shape), values);
    const refined = z.looseObject({ code: z.string().optional(), display: z.string().optional() }).refine((a) => a.code !== undefined || a.display !== undefined);
    expectSameVerdicts(refined, [{ code: 'A' }, { display: 'x' }, {}, { other: 1 }]);
  });

  it('arrays with a minimum, and unions plain and discriminated', () => {
    expectSameVerdicts(z.array(z.number()).min(1), [[1], [1, 2], [], [1, 'x'], 'x', null]);
    expectSameVerdicts(z.union([z.string(), z.number()]), ['a', 1, true, null]);
    const tagged = z.discriminatedUnion('type', [z.object({ type: z.literal('a'), n: z.number() }), z.object({ type: z.literal('b'), s: z.string() })]);
    expectSameVerdicts(tagged, [{ type: 'a', n: 1 }, { type: 'b', s: 'x' }, { type: 'a', s: 'x' }, { type: 'c' }, {}, null, []]);
  });

  it('hands what it does not compile to zod: a strict object, a transform, a string format checked by code', () => {
    expectSameVerdicts(z.strictObject({ a: z.string() }), [{ a: 'x' }, { a: 'x', b: 1 }]);
    expectSameVerdicts(z.string().transform((s) => s.length), ['abc', 3]);
    expectSameVerdicts(z.ipv6(), ['::1', '2001:db8::1', '1.2.3.4', ':::']);
    expectSameVerdicts(z.string().refine((s) => s.startsWith('x')), ['xy', 'yx']);
    expectSameVerdicts(z.string().startsWith('x'), ['xy', 'yx']);
    const superRefined = z.string().superRefine((s, ctx) => {
      if (s.length > 2) ctx.addIssue({ code: 'custom', message: 'too long' });
    });
    expectSameVerdicts(superRefined, ['ab', 'abc']);
  });
});

describe('acceptsCanonicalEvent', () => {
  const dir = resolve(import.meta.dirname, '../../conformance/hl7v2');
  const ctx = testContext({ drugs: resolverWith([{ ndc11: '00093005801', schedule: 'II' }]), defaultTimeZone: 'America/Chicago' });
  const events = readdirSync(dir)
    .filter((f) => /\.(hl7|er7)$/.test(f))
    .flatMap((f) => {
      try {
        return translate(parseMessage(readFileSync(join(dir, f), 'latin1').replace(/^\uFEFF/, '')), ctx).events;
      } catch {
        return [];
      }
    });

  it('accepts every event the translator makes of the corpus', () => {
    expect(events.length).toBeGreaterThan(40);
    for (const event of events) expect(acceptsCanonicalEvent(event), `${event.type} ${event.source.message_id}`).toBe(true);
  });

  it('gives zod\'s verdict on 20,000 damaged events: a value replaced anywhere in the tree (seed 11)', () => {
    const prng = createPrng(11);
    const pick = <T,>(items: readonly T[]): T => items[Math.floor(prng.next() * items.length)]!;
    const replacements: unknown[] = [undefined, null, '', 'x', ' ', -1, 0, 1.5, 91, NaN, Infinity, 2 ** 60, true, [], {}, [{}], 'x'.repeat(300),
      '2024-02-30T12:00:00Z', '2024-05-01T12:00:00.000Z', '2024-05-01', 'pt_' + 'a'.repeat(64), 'UNMAPPED', 'II', 'rx.dispense', 'valid'];
    let refused = 0;
    for (let i = 0; i < 20_000; i++) {
      const event = structuredClone(pick(events)) as unknown as Record<string, unknown>;
      // walk to a random node, then replace one of its members (or add one)
      let node: Record<string, unknown> | unknown[] = event;
      for (let depth = 0; depth < 6; depth++) {
        const keys = Object.keys(node);
        if (keys.length === 0) break;
        const next = (node as Record<string, unknown>)[pick(keys)];
        if (typeof next !== 'object' || next === null || prng.next() < 0.3) break;
        node = next as Record<string, unknown>;
      }
      const keys = Object.keys(node);
      const key = keys.length > 0 && prng.next() < 0.9 ? pick(keys) : 'added';
      (node as Record<string, unknown>)[key] = pick(replacements);
      const zodSays = canonicalEventSchema.safeParse(event).success;
      if (!zodSays) refused++;
      expect(acceptsCanonicalEvent(event), JSON.stringify(event).slice(0, 300)).toBe(zodSays);
    }
    // the damage must hit the rules often enough to prove something
    expect(refused).toBeGreaterThan(5_000);
  });
});
