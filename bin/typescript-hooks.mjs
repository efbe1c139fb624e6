// Module hooks (node:module register) that let Node 20 run the project's TypeScript: every .ts and .tsx file
// outside node_modules is transpiled by esbuild as it loads, with the compiler options of tsconfig.json (JSX through
// hono/jsx). tsx does the same but always with esbuild's keepNames, which wraps every function expression in a
// naming call, so each closure made per message costs a call and an allocation; Node names functions by itself
// without it. Types are only stripped here: `npx tsc --noEmit` is what checks them.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

const tsconfigRaw = await readFile(new URL('../tsconfig.json', import.meta.url), 'utf8');
const TYPESCRIPT_FILE = /\.(m?ts|tsx)$/;

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || url.includes('/node_modules/')) return nextLoad(url, context);
  const extension = TYPESCRIPT_FILE.exec(new URL(url).pathname)?.[1];
  if (!extension) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const { code } = await transform(await readFile(path, 'utf8'), {
    loader: extension === 'tsx' ? 'tsx' : 'ts',
    format: 'esm',
    target: `node${process.versions.node}`,
    sourcefile: path,
    sourcemap: 'inline',
    tsconfigRaw,
  });
  return { format: 'module', source: code, shortCircuit: true };
}
