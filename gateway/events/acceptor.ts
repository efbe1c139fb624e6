import type { z } from 'zod';

/**
 * A yes-only check compiled once from a zod schema, for the hot path: `true` only when zod would accept the value;
 * `false` when the value is invalid or the acceptor is not sure, and the caller then asks zod itself, for the verdict
 * and the message. zod's own check allocates an object for every field of the schema it walks, present or not, and
 * builds a copy of the value it accepts: a quarter of an HL7 message's translation (README, *Performance*). This one
 * allocates nothing for a value it accepts.
 *
 * It reads the rules from the schema's own definition, so there is no second copy of them to keep in step. Each node
 * kind is checked at least as strictly as zod checks it; a kind, check or format it does not know is handed to zod
 * for that part of the value (`delegate`), which is slower but never wrong. Relies on zod 4's definitions
 * (`schema._zod.def`), which the pinned version provides; acceptor.test.ts holds the two to the same verdicts.
 */
export type Acceptor = (value: unknown) => boolean;

interface Def {
  type: string;
  checks?: readonly { _zod: { def: CheckDef } }[];
  [key: string]: unknown;
}

interface CheckDef {
  check: string;
  format?: string;
  pattern?: RegExp;
  minimum?: number;
  maximum?: number;
  value?: number;
  inclusive?: boolean;
  fn?: (value: unknown) => unknown;
}

type Schema = z.core.$ZodType;

/** String formats zod checks by their pattern alone. */
const PATTERN_FORMATS: ReadonlySet<string> = new Set(['uuid', 'guid', 'datetime', 'date', 'time']);

const defOf = (schema: Schema) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** zod's own check of a part it has no compiled form for. */
function delegate(schema: Schema): Acceptor {
  const parse = (schema as unknown as z.ZodType).safeParse.bind(schema);
  return (value) => parse(value).success;
}

export function compileAcceptor(schema: z.ZodType): Acceptor {
  return compile(schema, new Map());
}

function compile(schema: Schema, compiled: Map<Schema, Acceptor>): Acceptor {
  const known = compiled.get(schema);
  if (known) return known;
  const acceptor = build(schema, compiled);
  compiled.set(schema, acceptor);
  return acceptor;
}

function build(schema: Schema, compiled: Map<Schema, Acceptor>): Acceptor {
  const def = defOf(schema);
  const checks = checksOf(def);
  if (checks === undefined) return delegate(schema);
  switch (def.type) {
    case 'string':
      return withChecks((v) => typeof v === 'string', checks);
    case 'number':
      // zod 4 refuses NaN and the infinities
      return withChecks((v) => typeof v === 'number' && Number.isFinite(v), checks);
    case 'boolean':
      return def.checks?.length ? delegate(schema) : (v) => typeof v === 'boolean';
    case 'unknown':
      return def.checks?.length ? delegate(schema) : () => true;
    case 'literal': {
      const values = def.values as readonly unknown[];
      return withChecks((v) => values.includes(v), checks);
    }
    case 'enum': {
      const values = new Set(Object.values(def.entries as Record<string, unknown>));
      return withChecks((v) => values.has(v), checks);
    }
    case 'optional': {
      const inner = compile(def.innerType as Schema, compiled);
      return def.checks?.length ? delegate(schema) : (v) => v === undefined || inner(v);
    }
    case 'nullable': {
      const inner = compile(def.innerType as Schema, compiled);
      return def.checks?.length ? delegate(schema) : (v) => v === null || inner(v);
    }
    case 'array': {
      const element = compile(def.element as Schema, compiled);
      return withChecks((v) => {
        if (!Array.isArray(v)) return false;
        for (let i = 0; i < v.length; i++) if (!element(v[i])) return false;
        return true;
      }, checks);
    }
    case 'object':
      return objectAcceptor(schema, def, checks, compiled);
    case 'union':
      return unionAcceptor(def, compiled);
    default:
      return delegate(schema);
  }
}

/** Unknown keys: kept by `looseObject` (catchall unknown), dropped by `object` (no catchall); any other catchall is zod's. */
function objectAcceptor(schema: Schema, def: Def, checks: readonly CheckDef[], compiled: Map<Schema, Acceptor>): Acceptor {
  const catchall = def.catchall as Schema | undefined;
  if (catchall !== undefined && defOf(catchall).type !== 'unknown') return delegate(schema);
  const shape = def.shape as Record<string, Schema>;
  const keys = Object.keys(shape);
  const acceptors = keys.map((key) => compile(shape[key]!, compiled));
  // indexed loops: the walk allocates nothing (a for-of or an every() callback would, per call)
  return withChecks((v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
    const record = v as Record<string, unknown>;
    for (let i = 0; i < keys.length; i++) if (!acceptors[i]!(record[keys[i]!])) return false;
    return true;
  }, checks);
}

/** A discriminated union goes to the option its discriminator names; a plain union to the first that accepts. */
function unionAcceptor(def: Def, compiled: Map<Schema, Acceptor>): Acceptor {
  const options = (def.options as Schema[]).map((o) => compile(o, compiled));
  const discriminator = def.discriminator as string | undefined;
  if (discriminator === undefined) {
    return (v) => {
      for (let i = 0; i < options.length; i++) if (options[i]!(v)) return true;
      return false;
    };
  }
  const byValue = new Map<unknown, Acceptor>();
  (def.options as Schema[]).forEach((option, i) => {
    const field = (defOf(option).shape as Record<string, Schema> | undefined)?.[discriminator];
    const fieldDef = field ? defOf(field) : undefined;
    for (const value of fieldDef?.type === 'literal' ? (fieldDef.values as unknown[]) : []) {
      if (!byValue.has(value)) byValue.set(value, options[i]!);
    }
  });
  return (v) => {
    if (typeof v !== 'object' || v === null) return false;
    const option = byValue.get((v as Record<string, unknown>)[discriminator]);
    return option !== undefined && option(v);
  };
}

/** The checks of a node as plain definitions, or undefined when one of them is of a kind compiled here not at all. */
function checksOf(def: Def): CheckDef[] | undefined {
  const out: CheckDef[] = [];
  for (const c of def.checks ?? []) {
    // A check's `when` can only skip it (zod's length checks skip values without a length): running it anyway is
    // stricter than zod, never more lenient, so it is not read.
    const d = c._zod.def;
    const known =
      (d.check === 'min_length' && typeof d.minimum === 'number') ||
      (d.check === 'max_length' && typeof d.maximum === 'number') ||
      (d.check === 'string_format' && d.pattern instanceof RegExp && (d.format === 'regex' || PATTERN_FORMATS.has(d.format ?? ''))) ||
      (d.check === 'number_format' && d.format === 'safeint') ||
      ((d.check === 'greater_than' || d.check === 'less_than') && typeof d.value === 'number') ||
      (d.check === 'custom' && typeof d.fn === 'function');
    if (!known) return undefined;
    out.push(d);
  }
  if (def.coerce) return undefined;
  // A string format type (z.uuid(), z.iso.datetime()) is itself a check, its pattern on the type's definition. Only
  // those zod checks by their pattern alone are taken (others, an IPv6 or a JWT, are checked by code of their own).
  if (def.type === 'string' && def.check === 'string_format') {
    if (!PATTERN_FORMATS.has(def.format as string) || !(def.pattern instanceof RegExp)) return undefined;
    out.push({ check: 'string_format', pattern: def.pattern });
  }
  return out;
}

function withChecks(base: Acceptor, checks: readonly CheckDef[]): Acceptor {
  if (checks.length === 0) return base;
  const tests = checks.map(checkTest);
  return (v) => {
    if (!base(v)) return false;
    for (let i = 0; i < tests.length; i++) if (!tests[i]!(v)) return false;
    return true;
  };
}

function checkTest(d: CheckDef): Acceptor {
  switch (d.check) {
    case 'min_length':
      return (v) => (v as { length: number }).length >= d.minimum!;
    case 'max_length':
      return (v) => (v as { length: number }).length <= d.maximum!;
    case 'string_format': {
      const pattern = d.pattern!;
      return (v) => {
        pattern.lastIndex = 0;
        return pattern.test(v as string);
      };
    }
    case 'number_format':
      return (v) => Number.isSafeInteger(v);
    case 'greater_than':
      return (v) => (d.inclusive ? (v as number) >= d.value! : (v as number) > d.value!);
    case 'less_than':
      return (v) => (d.inclusive ? (v as number) <= d.value! : (v as number) < d.value!);
    case 'custom':
      // a refinement passes when its function returns true; anything else (false, a promise, a throw — a superRefine
      // expects the context zod passes it) is zod's to judge
      return (v) => {
        try {
          return d.fn!(v) === true;
        } catch {
          return false;
        }
      };
    default:
      return () => false;
  }
}
