import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config.ts';
import { findGrant, loadTokens, parseTokens } from './tokens.ts';

describe('API tokens', () => {
  it('parses role:token pairs and finds the grant for a presented token', () => {
    const grants = parseTokens('admin:aaaaaaaaaaaaaaaa1, analyst:bbbbbbbbbbbbbbbb2', 'AUTH_TOKENS');
    expect(grants.map((g) => g.role)).toEqual(['admin', 'analyst']);
    expect(findGrant(grants, 'bbbbbbbbbbbbbbbb2')?.role).toBe('analyst');
    expect(findGrant(grants, 'bbbbbbbbbbbbbbbb3')).toBeUndefined();
    expect(grants[1]!.label).toBe('analyst:bbbb…');
  });

  it.each([
    ['root:aaaaaaaaaaaaaaaa', /entry 1 must be role:token with role one of/],
    ['admin:short', /at least 16 characters/],
    ['analystaaaaaaaaaaaaaaaa', /entry 1 must be role:token/],
    [' , ', /at least one role:token pair/],
  ])('refuses %j', (text, message) => {
    expect(() => parseTokens(text, 'AUTH_TOKENS')).toThrow(ConfigError);
    expect(() => parseTokens(text, 'AUTH_TOKENS')).toThrow(message);
  });

  it('reads a tokens file with comments', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rxgate-tokens-'));
    const file = join(dir, 'tokens');
    await writeFile(file, '# roles\ncompliance:cccccccccccccccc\n\nsystem:ssssssssssssssss\n');
    const { grants } = await loadTokens({ AUTH_TOKENS_FILE: file, DATA_DIR: dir });
    expect(grants.map((g) => g.role)).toEqual(['compliance', 'system']);
    await expect(loadTokens({ AUTH_TOKENS_FILE: join(dir, 'missing'), DATA_DIR: dir })).rejects.toThrow(/AUTH_TOKENS_FILE must name a readable file/);
  });

  it('with no tokens configured, creates one admin token (mode 0600) and reuses it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rxgate-tokens-'));
    const first = await loadTokens({ DATA_DIR: dir });
    const token = (await readFile(first.generatedFile!, 'utf8')).trim();
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect((await stat(first.generatedFile!)).mode & 0o777).toBe(0o600);
    const second = await loadTokens({ DATA_DIR: dir });
    expect(findGrant(second.grants, token)?.role).toBe('admin');
  });
});
