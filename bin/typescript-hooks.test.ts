import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('./test-fixtures/transpiled.tsx', import.meta.url));

describe('bin/register-typescript.mjs (how the gateway runs its TypeScript)', () => {
  const run = spawnSync(process.execPath, ['--import', './bin/register-typescript.mjs', FIXTURE], { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', timeout: 30_000 });
  const out = JSON.parse(run.stdout || '{}') as { source: string; name: string; stack: string; file: string; html: string };

  it('runs a .tsx file with the JSX of tsconfig.json (hono/jsx)', () => {
    expect(run.stderr).toBe('');
    expect(out.html).toBe('<p class="note">a &amp; b</p>');
    expect(out.file).toBe(FIXTURE);
  });

  it('leaves functions as written: no naming wrapper around each closure, and Node still names them', () => {
    expect(out.source).not.toContain('__name');
    expect(out.source).toContain('const next = () => ++count;');
    expect(out.name).toBe('next');
  });

  it('points stack traces at the TypeScript source lines', () => {
    expect(out.stack).toContain('Error: thrown on line 11');
    expect(out.stack).toContain(`${FIXTURE}:11:`);
  });
});
