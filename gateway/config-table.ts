import { z } from 'zod';
import { configSchema } from './config.ts';

/**
 * The README's configuration table, written from the config schema so the two cannot drift apart
 * (gateway/config-table.test.ts fails when the README differs). Print it with `npx tsx gateway/config-table.ts`.
 */
export function configTable(): string {
  const rows = Object.entries(configSchema.shape).map(([name, schema]) => {
    const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    const def = json.default;
    const shown = def === undefined ? '—' : def === '' ? '(empty)' : `\`${String(def)}\``;
    const description = (schema.description ?? '').replace(/\|/g, '\\|');
    const choices = Array.isArray(json.enum) ? ` (${(json.enum as string[]).join(' \\| ')})` : '';
    return `| \`${name}\` | ${shown} | ${description}${choices} |`;
  });
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(configTable());
