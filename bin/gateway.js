#!/usr/bin/env node
// The package's command. Node 20 cannot strip types, so the TypeScript is transpiled as it loads
// (register-typescript.mjs); see the README's "Running".
import './register-typescript.mjs';

const { main } = await import('../gateway/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
