import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_FLAG } from './heap-growing.ts';

describe('setHeapGrowingPercent', () => {
  // v8.setFlagsFromString ignores a flag it does not know, silently: a Node whose V8 renamed or dropped this one
  // would leave the gateway on V8's own factor without a word. This fails first.
  it('names a flag the V8 of this Node knows, as a number of percent', () => {
    const options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
    const entry = options.split('\n').findIndex((line) => line.trim().startsWith(`${HEAP_GROWING_FLAG} `));
    expect(entry).toBeGreaterThan(-1);
    expect(options.split('\n')[entry + 1]).toMatch(/type: int/);
  });
});
