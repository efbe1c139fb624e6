// Loaded through bin/register-typescript.mjs by typescript-hooks.test.ts; prints what the test checks.
import { fileURLToPath } from 'node:url';

export const makeCounter = (): (() => number) => {
  let count = 0;
  const next = (): number => ++count;
  return next;
};

function fail(): never {
  throw new Error('thrown on line 11');
}

let stack = '';
try {
  fail();
} catch (error) {
  stack = (error as Error).stack ?? '';
}

console.log(
  JSON.stringify({
    source: makeCounter.toString(),
    name: makeCounter().name,
    stack,
    file: fileURLToPath(import.meta.url),
    html: String(<p class="note">a &amp; b</p>),
  }),
);
