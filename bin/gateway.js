#!/usr/bin/env node
// The package's command. TypeScript runs through tsx (Node 20 cannot strip types); see the README's "Running".
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../gateway/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
